"""The OpenAPI 3.1 document of the API, generated: paths, methods, formats and path parameters
from the route tables, what each operation takes and answers from the Operation its handler
carries (`contract.documented`), the schemas from `chalicelib.api.schemas`. Built on the first
request that asks for it and kept for the container's life: a cold start never pays for it."""
import re

from .contract import Operation, Param

VERSION = "1.0.0"
TITLE = "Contacts CRM API (Redmine CRM compatible)"
JSON, XML = "application/json", "application/xml"
MEDIA = {"vcf": "text/vcard", "csv": "text/csv", "html": "text/html", "js": "text/javascript", "css": "text/css",
         "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
ERRORS = {
    400: ("The body could not be read (broken JSON or XML, wrong types)", True),
    401: ("Credentials are missing or wrong (WWW-Authenticate: Basic)", False),
    403: ("The caller may not do this", False),
    404: ("No such path, or nothing the caller may see under this id", False),
    406: ("The format asked for is not served here", False),
    409: ("The record changed under a concurrent write too often", True),
    413: ("The body is larger than allowed", True),
    422: ("Validation failed: the messages say why", True),
    429: ("Too many attempts (Retry-After says when to try again)", True),
    503: ("The store is busy (Retry-After)", True),
}
PAGING = (
    Param("offset", {"type": "integer", "minimum": 0}, "Items to skip"),
    Param("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Items per page (25 by default, 100 at most)"),
    Param("page", {"type": "integer", "minimum": 1}, "Page number, another way to say offset"),
    Param("nometa", {"enum": ["0", "1"]}, "1: no total_count, offset and limit (also the X-Redmine-Nometa header)"),
)
SECURITY_SCHEMES = {
    "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Redmine-API-Key"},
    "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "key"},
    "BasicAuth": {"type": "http", "scheme": "basic", "description": "login and password, or the API key as login"},
}
_built = {}


def document(router, server_url: str) -> dict:
    """The document for this router, served from `server_url` (built once per server URL)."""
    if server_url not in _built:
        _built[server_url] = build(router, server_url)
    return _built[server_url]


def paths_of(route) -> list:
    """(OpenAPI path, format) of a route: its JSON path (XML is the same with .xml), its vCard
    path, one path for the image formats, or the bare path of what serves neither."""
    base = "/" + "/".join(route.segments)
    found = []
    if "json" in route.formats:
        found.append((base + ".json", "json"))
    for fmt in ("vcf", "csv"):
        if fmt in route.formats:
            found.append((base + "." + fmt, fmt))
    images = [f for f in route.formats if MEDIA.get(f, "").startswith("image/")]
    if images:
        found.append((base + ".{format}", "image"))
    if not found:
        found.append((base if route.formats[0] == "html" else base + ".{format}", route.formats[0]))
    return found


def build(router, server_url: str) -> dict:
    from chalicelib.api import schemas
    paths = {}
    for route in router.routes:
        operation = getattr(route.handler, "operation", None)
        if operation is None:
            raise LookupError(f"{route.method} /{'/'.join(route.segments)} has no Operation")
        for path, fmt in paths_of(route):
            item = paths.setdefault(path, {})
            item[route.method.lower()] = _operation(route, operation, path, fmt, schemas)
    _link_creations(paths)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION,
                 "description": _INTRO, "license": {"name": "MIT", "identifier": "MIT"}},
        "servers": [{"url": server_url}],
        "security": [{"ApiKeyHeader": []}, {"ApiKeyQuery": []}, {"BasicAuth": []}, {}],
        "tags": [{"name": name} for name in sorted({r.handler.operation.tag for r in router.routes})],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": schemas.SCHEMAS, "responses": _error_responses(),
                       "securitySchemes": SECURITY_SCHEMES},
    }


_INTRO = (
    "The REST API of the Redmine CRM plugin (contacts, deals, notes, tickets), served by a serverless "
    "service. Every JSON path has an XML twin: the same path with `.xml`, the same document as XML "
    "(`<contact>…</contact>`), and XML bodies are accepted with `Content-Type: application/xml`. "
    "Authenticate with the `X-Redmine-API-Key` header, the `key` query parameter or HTTP Basic; what a "
    "caller may see and do is decided by its roles in each project (SPEC section 2). Lists lag writes "
    "by about a second on AWS.")


def _operation_id(method: str, path: str) -> str:
    words = re.sub(r"[{}]", "", path).replace(".", "_").strip("/").replace("/", "_")
    return f"{method.lower()}_{words}"


def _path_parameters(route, fmt: str, operation: Operation) -> list:
    found = []
    declared = {p.name: p for p in operation.path}
    for segment in route.segments:
        if segment.startswith("{") and segment[1:-1] in declared:
            param = declared[segment[1:-1]]
            found.append({"name": param.name, "in": "path", "required": True, "schema": param.schema,
                          "description": param.description})
        elif segment.startswith("{"):
            name = segment[1:-1]
            by_identifier = name == "project_id" or (name == "id" and route.segments[0] == "projects")
            schema = {"type": "string", "pattern": r"^[A-Za-z0-9_-]+$"} if by_identifier else \
                {"type": "integer", "minimum": 1}
            description = "numeric id or identifier" if by_identifier else "numeric id"
            found.append({"name": name, "in": "path", "required": True, "schema": schema,
                          "description": description})
    if fmt == "image":
        images = [f for f in route.formats if MEDIA.get(f, "").startswith("image/")]
        found.append({"name": "format", "in": "path", "required": True, "schema": {"enum": images}})
    elif fmt not in ("json", "vcf", "csv", "html"):
        found.append({"name": "format", "in": "path", "required": True, "schema": {"enum": list(route.formats)}})
    return found


def _query_parameters(operation: Operation) -> list:
    params = list(operation.query) + (list(PAGING) if operation.listing else [])
    return [{"name": p.name, "in": "query", "required": False, "schema": p.schema, "description": p.description}
            for p in params]


def _success(route, operation: Operation, fmt: str, schemas) -> dict:
    if fmt != "json":
        formats = [f for f in route.formats if MEDIA.get(f, "").startswith("image/")] if fmt == "image" else \
            [fmt] if fmt in ("vcf", "csv", "html") else list(route.formats)
        media = {MEDIA[f]: {"schema": {"type": "string"}} for f in formats}
        return {"200": {"description": "The body in this format", "content": media}}
    if operation.response is None:
        answers = {str(operation.status): {"description": "Done, no body"}}
        if operation.status == 204:
            answers["200"] = {"description": "Done, an empty body (UPDATE_STATUS_200 set)"}
        return answers
    content = {JSON: {"schema": {"$ref": f"#/components/schemas/{operation.response}"}}}
    example = schemas.EXAMPLES.get(operation.response)
    if example is not None:
        content[JSON]["example"] = example
    answer = {"description": "The document", "content": content}
    if operation.status == 201:
        answer["headers"] = {"Location": {"schema": {"type": "string"}, "description": "URL of what was created"}}
    return {str(operation.status): answer}


def _error_responses() -> dict:
    """The failures every authenticated operation may answer, once, as components."""
    found = {}
    for status, (description, with_body) in ERRORS.items():
        answer = {"description": description}
        if with_body:
            answer["content"] = {JSON: {"schema": {"$ref": "#/components/schemas/Errors"}}}
        found[f"Status{status}"] = answer
    return found


def _errors(public: bool = False) -> dict:
    """The failures an operation may answer (one that needs no credentials: only a path it
    does not serve and a format it does not serve)."""
    statuses = (404, 406) if public else ERRORS
    return {str(status): {"$ref": f"#/components/responses/Status{status}"} for status in statuses}


def _operation(route, operation: Operation, path: str, fmt: str, schemas) -> dict:
    answers_in = fmt
    if fmt in dict(operation.variants):      # the route does something else in this format
        operation, answers_in = dict(operation.variants)[fmt], "json"
    described = operation.description
    if fmt == "json":
        described = (described + "\n\n" if described else "") + f"XML: `{path[:-5]}.xml`, the same document."
    found = {
        "operationId": _operation_id(route.method, path),
        "summary": operation.summary,
        "description": described,
        "tags": [operation.tag],
        "parameters": _path_parameters(route, fmt, operation) + _query_parameters(operation),
        "responses": {**_success(route, operation, answers_in, schemas), **_errors(operation.public)},
    }
    if operation.public:
        found["security"] = [{}]
    if operation.request_media != JSON:
        found["requestBody"] = {"required": True, "content": {operation.request_media: {"schema": {"type": "string"}}}}
    elif operation.request is not None:
        body = {"schema": {"$ref": f"#/components/schemas/{operation.request}"}}
        example = schemas.EXAMPLES.get(operation.request)
        if example is not None:
            body["example"] = example
        found["requestBody"] = {
            "required": operation.request != "Empty",
            "description": "JSON as shown; the same document as XML with Content-Type: application/xml, "
                           "or form fields (`contact[first_name]=…`) as application/x-www-form-urlencoded.",
            "content": {JSON: body}}
    return found


def _link_creations(paths: dict) -> None:
    """Links from each create to the show, update and delete of what it created (the created
    document's id), for clients and for stateful tests that follow them."""
    for path, item in paths.items():
        create = item.get("post")
        answer = (create or {}).get("responses", {}).get("201", {})
        schema_ref = answer.get("content", {}).get(JSON, {}).get("schema", {}).get("$ref", "")
        if not schema_ref or not path.endswith(".json"):
            continue
        collection = [part for part in path[:-5].strip("/").split("/") if not part.startswith("{")][-1]
        target = paths.get(f"/{collection}/{{id}}.json", {})
        root = _ROOTS.get(collection)
        links = {}
        for method, name in (("get", "Show"), ("put", "Update"), ("delete", "Delete")):
            if method in target and root:
                links[f"{name}Created"] = {"operationId": target[method]["operationId"],
                                           "parameters": {"id": f"$response.body#/{root}/id"}}
        if links:
            answer["links"] = links


# The document root of a collection's single item, for the links above.
_ROOTS = {"contacts": "contact", "deals": "deal", "notes": "note", "tickets": "ticket", "projects": "project",
          "users": "user", "roles": "role", "memberships": "membership", "custom_fields": "custom_field",
          "web_forms": "web_form", "deal_statuses": "deal_status"}
