"""The OpenAPI document: valid 3.1, in step with the router both ways, its examples valid
against their own schemas and true of the API, served without credentials with its reference
page, and never built on a cold start."""
import json
import re
import subprocess
import sys

import pytest

from tests.conftest import body_json
from tests.servers import ROOT


@pytest.fixture
def document(api):
    r = api.get("/openapi.json")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    return json.loads(r.body)


def test_the_document_is_valid_openapi_3_1(document):
    from openapi_spec_validator import validate
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert set(document["components"]["securitySchemes"]) == {"ApiKeyHeader", "ApiKeyQuery", "BasicAuth"}


def _concrete(path: str, operation: dict) -> str:
    """A URL of the path, every parameter given a value its schema allows."""
    values = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            schema = parameter["schema"]
            values[parameter["name"]] = str(schema["enum"][0]) if "enum" in schema else "1"
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def test_every_route_is_documented_and_every_documented_operation_is_routed(document):
    """Each documented (path, method) is resolved by the router itself to a route with that
    method, and every route of the router is reached that way."""
    from chalicelib.api import router
    routes = router()
    reached = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            match = routes.resolve(method.upper(), _concrete(path, operation))
            assert match.route.method == method.upper(), (method, path)
            declared = match.route.handler.operation
            assert operation["summary"] in {declared.summary} | {v.summary for _f, v in declared.variants}
            reached.add(match.route)
    missing = [f"{r.method} /{'/'.join(r.segments)}" for r in routes.routes if r not in reached]
    assert missing == []


def _validator(document, name):
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    resource = Resource.from_contents(document, default_specification=__import__(
        "referencing.jsonschema", fromlist=["DRAFT202012"]).DRAFT202012)
    registry = Registry().with_resource("urn:openapi", resource)
    return Draft202012Validator({"$ref": f"urn:openapi#/components/schemas/{name}"}, registry=registry)


def _examples(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "example" in body:
                yield f"{method} {path} body", body["schema"]["$ref"].rsplit("/", 1)[1], body["example"]
            for status, answer in operation["responses"].items():
                media = answer.get("content", {}).get("application/json", {})
                if "example" in media:
                    yield f"{method} {path} {status}", media["schema"]["$ref"].rsplit("/", 1)[1], media["example"]


def test_the_examples_validate_against_their_own_schemas(document):
    seen = set()
    for where, name, example in _examples(document):
        errors = [e.message for e in _validator(document, name).iter_errors(example)]
        assert errors == [], where
        seen.add(name)
    assert {"ContactBody", "Contact", "DealBody", "NoteBody", "ProjectBody", "ContactProjectBody"} <= seen


def test_the_documented_create_example_answers_the_documented_contact(api, crm, document):
    """The example body, sent as it is, creates a contact whose document has the example's
    shape and validates against the Contact schema."""
    example = document["paths"]["/contacts.json"]["post"]["requestBody"]["content"]["application/json"]["example"]
    r = api.post("/contacts.json", example, key=crm.admin)
    assert r.status_code == 201, r.body
    created = body_json(r)
    assert [e.message for e in _validator(document, "Contact").iter_errors(created)] == []
    shown = document["paths"]["/contacts.json"]["post"]["responses"]["201"]["content"]["application/json"]["example"]
    assert list(created["contact"]) == list(shown["contact"])
    assert created["contact"]["phones"] == shown["contact"]["phones"]
    assert created["contact"]["tag_list"] == shown["contact"]["tag_list"]


def test_the_reference_is_served_without_credentials_and_needs_no_network(api):
    page = api.get("/docs")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    text = page.body.decode()
    assert 'src="docs/swagger-ui-bundle.js"' in text and 'href="docs/swagger-ui.css"' in text
    assert 'url: "openapi.json"' in text
    assert "http://" not in text and "https://" not in text and "//cdn" not in text
    for path, kind in (("/docs/swagger-ui-bundle.js", "text/javascript"), ("/docs/swagger-ui.css", "text/css")):
        r = api.get(path)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(kind), path
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert len(r.body) > 100_000
    assert api.get("/docs/index.js").status_code == 404
    assert api.get("/docs/swagger-ui-bundle.exe").status_code == 406
    assert api.get("/openapi.xml").status_code == 406


def test_the_document_names_where_it_is_served(api, document):
    assert document["servers"] == [{"url": "http://localhost"}]
    assert document["paths"]["/openapi.json"]["get"]["security"] == [{}]


def test_a_cold_start_does_not_build_the_document():
    code = ("import sys, app; "
            "print(sorted(m for m in ('chalicelib.api.schemas', 'chalicelib.web.openapi') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1", "STAGE": "test"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
