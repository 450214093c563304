"""SPEC section 1 through whole requests: formats, status codes, error bodies, limits."""
import pytest

from chalicelib import config
from tests.conftest import body_json, written

DECL = '<?xml version="1.0" encoding="UTF-8"?>'
PROJECT = {"project": {"name": "Support", "identifier": "support"}}


def test_list_ok_in_json_and_xml(api, admin_key):
    r = api.get("/projects.json", key=admin_key)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    assert r.body == b'{"projects":[],"total_count":0,"offset":0,"limit":25}'
    r = api.get("/projects.xml", key=admin_key)
    assert r.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert r.body.decode() == DECL + '<projects total_count="0" offset="0" limit="25" type="array"/>'


def test_create_answers_201_with_location_without_extension(api, admin_key):
    r = api.post("/projects.json", PROJECT, key=admin_key, headers={"Host": "crm.example.com",
                                                                     "X-Forwarded-Proto": "https"})
    assert r.status_code == 201
    assert r.headers["Location"] == "https://localhost/projects/1"   # the Host header is never trusted
    assert body_json(r)["project"]["identifier"] == "support"


def test_update_and_delete_answer_204_with_empty_body(api, admin_key):
    written(api.post("/projects.json", PROJECT, key=admin_key))
    r = api.put("/projects/support.json", {"project": {"name": "Help"}}, key=admin_key)
    assert (r.status_code, r.body) == (204, b"")
    r = api.delete("/projects/1.xml", key=admin_key)
    assert (r.status_code, r.body) == (204, b"")
    assert api.get("/projects/1.json", key=admin_key).status_code == 404


def test_compat_setting_answers_200_with_empty_body(api, admin_key, monkeypatch):
    monkeypatch.setattr(config, "UPDATE_STATUS_200", True)
    written(api.post("/projects.json", PROJECT, key=admin_key))
    r = api.put("/projects/1.json", {"project": {"name": "Help"}}, key=admin_key)
    assert (r.status_code, r.body) == (200, b"")


def test_validation_error_is_422_with_every_message_in_both_formats(api, admin_key):
    r = api.post("/projects.json", {"project": {"identifier": "Bad Id"}}, key=admin_key)
    assert r.status_code == 422
    assert body_json(r) == {"errors": ["Name cannot be blank", "Identifier is invalid"]}
    r = api.post("/projects.xml", "<project><identifier>Bad Id</identifier></project>",
                 key=admin_key, content_type="application/xml")
    assert r.status_code == 422
    assert r.body.decode() == (DECL + '<errors type="array"><error>Name cannot be blank</error>'
                               '<error>Identifier is invalid</error></errors>')


def test_anonymous_on_an_action_that_needs_a_user_is_401_with_challenge(api):
    for path in ("/users.json", "/users.xml", "/users/current.json"):
        r = api.get(path)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == 'Basic realm="Redmine API"'
        assert r.body == b""


def test_logged_in_but_not_allowed_is_403_empty(api, people):
    people.user("jsmith")
    for fmt in ("json", "xml"):
        r = api.get(f"/users.{fmt}", key=people.key("jsmith"))
        assert (r.status_code, r.body) == (403, b"")


@pytest.mark.parametrize("method, path", [
    ("GET", "/nothing.json"), ("GET", "/projects/1/nothing.json"), ("GET", "/a/b/c/d/e/f"),
    ("GET", "/"), ("DELETE", "/projects.json"), ("PATCH", "/roles.json"), ("POST", "/users/current.json"),
    ("GET", "/projects/999.json"), ("GET", "/projects/unknown.xml"),
])
def test_unknown_routes_methods_and_resources_are_404_empty(api, admin_key, method, path):
    r = api.request(method, path, key=admin_key)
    assert (r.status_code, r.body) == (404, b"")


def test_unknown_extension_is_406(api, admin_key):
    assert api.get("/projects.csv", key=admin_key).status_code == 406
    assert api.get("/projects?format=yaml", key=admin_key).status_code == 406


def test_extensionless_requests_negotiate_from_accept_then_content_type(api, admin_key):
    r = api.get("/projects", key=admin_key, headers={"Accept": "application/xml"})
    assert r.body.decode().startswith(DECL + "<projects")
    r = api.post("/projects", "<project><name>S</name><identifier>s</identifier></project>",
                 key=admin_key, content_type="application/xml")
    assert (r.status_code, r.headers["Content-Type"]) == (201, "application/xml; charset=utf-8")
    r = api.put("/projects/s", {"project": {"name": "T"}}, key=admin_key)
    assert r.status_code == 204
    r = api.get("/projects?format=xml", key=admin_key)
    assert r.headers["Content-Type"] == "application/xml; charset=utf-8"
    r = api.get("/projects", key=admin_key)
    assert body_json(r)["projects"][0]["name"] == "T"


def test_nometa_by_parameter_or_header(api, admin_key):
    assert api.get("/projects.json?nometa=1", key=admin_key).body == b'{"projects":[]}'
    r = api.get("/projects.xml", key=admin_key, headers={"X-Redmine-Nometa": "1"})
    assert r.body.decode() == DECL + '<projects type="array"/>'


@pytest.mark.parametrize("fmt, body, content_type", [
    ("json", "{broken", "application/json"),
    ("xml", "<project><name>x</project>", "application/xml"),
    ("json", '<?xml version="1.0"?><!DOCTYPE z [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
             '<project><name>&b;</name><identifier>bomb</identifier></project>', "application/xml"),
])
def test_malformed_bodies_are_400_and_nothing_is_written(api, admin_key, fmt, body, content_type):
    r = api.post(f"/projects.{fmt}", body, key=admin_key, content_type=content_type)
    assert r.status_code == 400
    if fmt == "json":
        assert len(body_json(r)["errors"]) == 1
    else:
        assert r.body.decode().startswith(DECL + '<errors type="array"><error>')
    assert body_json(api.get("/projects.json", key=admin_key))["total_count"] == 0


def test_external_entity_body_reads_no_file(api, admin_key, tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text("root:SECRET-CONTENT")
    body = (f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file://{secret}">]>'
            f'<project><name>&x;</name><identifier>xxe</identifier></project>')
    r = api.post("/projects.xml", body, key=admin_key, content_type="application/xml")
    assert r.status_code == 400
    assert b"SECRET-CONTENT" not in r.body
    assert api.get("/projects/xxe.json", key=admin_key).status_code == 404


def test_body_over_one_mebibyte_is_413(api, admin_key):
    big = {"project": {"name": "x", "identifier": "big", "description": "a" * (1024 * 1024)}}
    r = api.post("/projects.json", big, key=admin_key)
    assert r.status_code == 413
    assert body_json(r)["errors"][0].startswith("Request body is larger than")
    assert api.get("/projects/big.json", key=admin_key).status_code == 404
    r = api.post("/projects.xml", "<project><name>" + "a" * (1024 * 1024) + "</name></project>",
                 key=admin_key, content_type="application/xml")
    assert r.status_code == 413
    assert r.body.decode().startswith(DECL + '<errors type="array"><error>Request body is larger than')


def test_throttled_backend_is_503_with_retry_after(api, admin_key, monkeypatch):
    from botocore.exceptions import ClientError
    from pynamodb.exceptions import QueryError

    from chalicelib.store import records

    def throttled(*_args, **_kwargs):
        cause = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                       "Message": "slow down"}}, "Query")
        raise QueryError("throttled", cause=cause)

    monkeypatch.setattr(records, "all_projects", throttled)
    r = api.get("/projects.xml", key=admin_key)
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "1"
    assert r.body.decode() == (DECL + '<errors type="array"><error>The service is busy; '
                               'try again shortly</error></errors>')


def test_unexpected_errors_never_show_a_stack_trace(api, admin_key, monkeypatch):
    from chalicelib.store import records

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals at /srv/app.py line 12")

    monkeypatch.setattr(records, "all_projects", broken)
    api.expect_server_error = True
    r = api.get("/projects.json", key=admin_key)
    assert r.status_code == 500
    assert body_json(r) == {"errors": ["Internal error"]}


def test_form_and_multipart_bodies_reach_the_same_handler(api, admin_key):
    r = api.post("/projects.json", "project[name]=Form&project[identifier]=form",
                 key=admin_key, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 201
    boundary = "b0undary"
    parts = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"\r\n\r\n{v}\r\n'
                    for n, v in (("project[name]", "Multi"), ("project[identifier]", "multi")))
    r = api.post("/projects.json", parts + f"--{boundary}--\r\n", key=admin_key,
                 content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 201
    names = [p["name"] for p in body_json(api.get("/projects.json", key=admin_key))["projects"]]
    assert names == ["Form", "Multi"]


def test_json_with_wrong_types_is_422_not_500(api, admin_key):
    r = api.post("/projects.json", {"project": {"name": ["x"], "identifier": {"a": 1},
                                                "is_public": "maybe"}}, key=admin_key)
    assert r.status_code == 422
    assert body_json(r)["errors"] == ["Name is invalid", "Name cannot be blank",
                                      "Identifier is invalid", "Identifier cannot be blank",
                                      "Public is invalid"]
    r = api.post("/projects.json", {"project": "not an object"}, key=admin_key)
    assert r.status_code == 422


def test_head_answers_like_get_without_body(api, admin_key):
    r = api.request("HEAD", "/projects.json", key=admin_key)
    assert (r.status_code, r.body) == (200, b"")


def test_percent_encoded_path_segments_are_decoded(api, admin_key):
    written(api.post("/projects.json", PROJECT, key=admin_key))
    assert api.get("/projects/%73upport.json", key=admin_key).status_code == 200
