"""Users: admin CRUD, validation, the key shown once, the last admin kept."""
import pytest

from tests.conftest import body_json, written

NEW = {"user": {"login": "jdoe", "firstname": "John", "lastname": "Doe",
                "mail": "JDoe@Example.com", "password": "long-enough"}}


def test_create_shows_the_api_key_once(api, admin_key):
    r = api.post("/users.json", NEW, key=admin_key)
    assert r.status_code == 201
    assert r.headers["Location"].endswith("/users/2")
    user = body_json(r)["user"]
    assert list(user) == ["id", "login", "admin", "firstname", "lastname", "mail", "created_on",
                          "updated_on", "last_login_on", "passwd_changed_on", "api_key", "status"]
    assert (user["login"], user["admin"], user["status"]) == ("jdoe", False, 1)
    key = user["api_key"]
    assert body_json(api.get("/users/current.json", key=key))["user"]["login"] == "jdoe"
    shown = body_json(api.get("/users/2.json", key=admin_key))["user"]
    assert "api_key" not in shown
    assert api.get("/users/current.json", basic=("jdoe", "long-enough")).status_code == 200


def test_create_in_xml(api, admin_key):
    r = api.post("/users.xml", "<user><login>x</login><firstname>X</firstname><lastname>Y</lastname>"
                 "<mail>x@example.com</mail><password>long-enough</password><admin>true</admin></user>",
                 key=admin_key, content_type="application/xml")
    assert r.status_code == 201
    text = r.body.decode()
    assert "<login>x</login><admin>true</admin><firstname>X</firstname>" in text
    assert "<last_login_on/>" in text


def test_every_validation_message_at_once(api, admin_key):
    r = api.post("/users.json", {"user": {"login": "bad login!", "mail": "nope",
                                          "password": "short"}}, key=admin_key)
    assert r.status_code == 422
    assert body_json(r)["errors"] == ["Login is invalid", "First name cannot be blank",
                                      "Last name cannot be blank", "Email is invalid",
                                      "Password is too short (minimum is 8 characters)"]


def test_login_and_mail_are_unique_case_insensitively(api, admin_key):
    written(api.post("/users.json", NEW, key=admin_key))
    dup = {"user": dict(NEW["user"], login="JDOE", mail="jdoe@EXAMPLE.com")}
    r = api.post("/users.json", dup, key=admin_key)
    assert body_json(r)["errors"] == ["Login has already been taken", "Email has already been taken"]


def test_lengths(api, admin_key):
    r = api.post("/users.json", {"user": dict(NEW["user"], login="a" * 61, firstname="f" * 31)},
                 key=admin_key)
    assert body_json(r)["errors"] == ["Login is too long (maximum is 60 characters)",
                                      "First name is too long (maximum is 30 characters)"]


def test_update_lock_and_delete(api, admin_key):
    user = body_json(api.post("/users.json", NEW, key=admin_key))["user"]
    r = api.put(f"/users/{user['id']}.json", {"user": {"firstname": "Johnny", "login": "johnny",
                                                       "status": 3}}, key=admin_key)
    assert r.status_code == 204
    shown = body_json(api.get(f"/users/{user['id']}.json", key=admin_key))["user"]
    assert (shown["firstname"], shown["login"], shown["status"]) == ("Johnny", "johnny", 3)
    assert api.get("/users/current.json", key=user["api_key"]).status_code == 401  # locked
    # the old login is free, the new one taken
    from chalicelib.services.users import by_login
    assert by_login("jdoe") is None and by_login("johnny") is not None
    assert api.delete(f"/users/{user['id']}.json", key=admin_key).status_code == 204
    assert api.get(f"/users/{user['id']}.json", key=admin_key).status_code == 404
    assert by_login("johnny") is None


def test_status_filter_and_name_search(api, admin_key, people):
    people.user("alice")
    people.user("bob", status=3)
    logins = lambda q: [u["login"] for u in body_json(api.get(f"/users.json{q}", key=admin_key))["users"]]  # noqa: E731
    assert logins("") == ["admin", "alice"]
    assert logins("?status=3") == ["bob"]
    assert logins("?status=") == ["admin", "alice", "bob"]
    assert logins("?name=ALI") == ["alice"]
    for odd in ("abc", "9", "%C2%B2"):      # not a status: refused, not an empty list
        r = api.get(f"/users.json?status={odd}", key=admin_key)
        assert (r.status_code, body_json(r)) == (422, {"errors": ["Status is not included in the list"]})


def test_non_admins_see_only_themselves(api, people):
    jsmith = people.user("jsmith")
    other = people.user("other")
    key = people.key("jsmith")
    shown = body_json(api.get(f"/users/{jsmith.id}.json", key=key))["user"]
    assert shown["login"] == "jsmith"
    assert api.get(f"/users/{other.id}.json", key=key).status_code == 403
    assert api.post("/users.json", NEW, key=key).status_code == 403
    assert api.put(f"/users/{jsmith.id}.json", {"user": {"admin": True}}, key=key).status_code == 403
    assert api.delete(f"/users/{other.id}.json", key=key).status_code == 403


@pytest.mark.parametrize("change", [{"admin": False}, {"status": 3}])
def test_the_last_active_admin_is_kept(api, admin_key, change):
    r = api.put("/users/1.json", {"user": change}, key=admin_key)
    assert body_json(r)["errors"] == ["The last active administrator cannot be locked, removed or demoted"]
    assert api.delete("/users/1.json", key=admin_key).status_code == 422


def test_password_change_takes_effect(api, admin_key, people):
    jsmith = people.user("jsmith", password="first-pass")
    written(api.put(f"/users/{jsmith.id}.json", {"user": {"password": "second-pass"}}, key=admin_key))
    assert api.get("/users/current.json", basic=("jsmith", "first-pass")).status_code == 401
    assert api.get("/users/current.json", basic=("jsmith", "second-pass")).status_code == 200
