"""Every way to authenticate, and what a wrong or locked credential gets."""
import base64

import pytest

from chalicelib.services.users import LOCKED
from tests.conftest import body_json, written


@pytest.fixture
def jsmith(people):
    return people.user("jsmith", password="jsmith-pass")


def current(api, **kw):
    return api.get("/users/current.json", **kw)


def test_key_parameter_in_query_and_body(api, people, jsmith):
    key = people.key("jsmith")
    assert body_json(api.get(f"/users/current.json?key={key}"))["user"]["login"] == "jsmith"
    r = api.post("/my/api_key.json", f"key={key}", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 201


def test_api_key_header(api, people, jsmith):
    assert body_json(current(api, key=people.key("jsmith")))["user"]["login"] == "jsmith"


def test_basic_with_login_and_password(api, jsmith):
    r = current(api, basic=("jsmith", "jsmith-pass"))
    assert body_json(r)["user"]["login"] == "jsmith"
    # logins are case-insensitive, as in Redmine
    assert current(api, basic=("JSmith", "jsmith-pass")).status_code == 200


def test_basic_with_the_api_key_as_user_name(api, people, jsmith):
    r = current(api, basic=(people.key("jsmith"), "anything"))
    assert body_json(r)["user"]["login"] == "jsmith"


@pytest.mark.parametrize("credentials", [
    {"key": "0" * 40},
    {"basic": ("jsmith", "wrong-password")},
    {"basic": ("nobody", "whatever")},
    {"headers": {"Authorization": "Basic !!!not-base64"}},
    {"headers": {"Authorization": "Bearer abc"}},
])
def test_wrong_credentials_leave_the_caller_anonymous(api, admin_key, jsmith, credentials):
    written(api.post("/projects.json", {"project": {"name": "Open", "identifier": "open"}}, key=admin_key))
    r = current(api, **credentials)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Redmine API"'
    # ...and anonymous still sees what anonymous may see
    r = api.get("/projects.json", **credentials)
    assert [p["identifier"] for p in body_json(r)["projects"]] == ["open"]


def test_the_key_parameter_wins_over_other_credentials(api, people, jsmith):
    people.user("other")
    r = api.get(f"/users/current.json?key={people.key('other')}", key=people.key("jsmith"))
    assert body_json(r)["user"]["login"] == "other"


def test_locked_user_is_refused_by_key_and_by_password(api, people):
    people.user("locked", status=LOCKED, password="locked-pass")
    assert current(api, key=people.key("locked")).status_code == 401
    assert current(api, basic=("locked", "locked-pass")).status_code == 401


def test_admin_switches_user(api, admin_key, jsmith):
    r = current(api, key=admin_key, headers={"X-Redmine-Switch-User": "jsmith"})
    assert body_json(r)["user"]["login"] == "jsmith"
    # acting as jsmith, admin rights are gone
    r = api.get("/users.json", key=admin_key, headers={"X-Redmine-Switch-User": "jsmith"})
    assert r.status_code == 403


def test_switch_to_unknown_or_locked_user_is_412(api, admin_key, people):
    people.user("locked", status=LOCKED)
    for login in ("nobody", "locked"):
        r = current(api, key=admin_key, headers={"X-Redmine-Switch-User": login})
        assert (r.status_code, r.body) == (412, b"")


def test_non_admin_cannot_switch_user(api, people, jsmith):
    people.user("other")
    r = current(api, key=people.key("other"), headers={"X-Redmine-Switch-User": "jsmith"})
    assert body_json(r)["user"]["login"] == "other"


def test_new_api_key_is_shown_once_and_the_old_one_stops(api, people, jsmith):
    old = people.key("jsmith")
    r = api.post("/my/api_key.json", key=old)
    assert r.status_code == 201
    new = body_json(r)["user"]["api_key"]
    assert len(new) == 40 and new != old
    assert current(api, key=old).status_code == 401
    account = body_json(api.get("/my/account.json", key=new))["user"]
    assert account["login"] == "jsmith" and "api_key" not in account
    r = api.post("/my/api_key.xml", key=new)
    assert "<api_key>" in r.body.decode()


def test_api_keys_and_passwords_are_stored_hashed(people, jsmith):
    from chalicelib.store.directory import UserRecord
    stored = UserRecord.get(*UserRecord.key(int(jsmith.id)))
    assert people.key("jsmith") not in (stored.api_key_hash or "")
    assert stored.password_hash.startswith("pbkdf2_sha256$")
    assert "jsmith-pass" not in stored.password_hash


def test_basic_header_with_non_utf8_bytes_is_anonymous(api):
    token = base64.b64encode(b"\xff\xfe:\xff").decode()
    assert current(api, headers={"Authorization": f"Basic {token}"}).status_code == 401
