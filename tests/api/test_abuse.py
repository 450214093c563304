"""Password guessing, CORS on every answer to a form's page, and the hardening headers:
throttled failed logins (per login and per client address) without hashing, the same hashing
for unknown, locked and real logins, API keys untouched by the throttle; cross-site form posts
with stored Basic credentials refused; a per-user upload quota."""
import base64

import pytest

from chalicelib.services import passwords, users
from chalicelib.store import ratelimits
from tests.conftest import body_json

SITE = "https://www.example.com"


@pytest.fixture
def clock(monkeypatch):
    moment = [1_800_000_000.0]
    monkeypatch.setattr(ratelimits, "clock", lambda: moment[0])
    return moment


@pytest.fixture
def hashing(monkeypatch):
    calls = []
    real = passwords._slow_verify

    def counted(password, stored):
        calls.append(stored)
        return real(password, stored)
    monkeypatch.setattr(passwords, "_slow_verify", counted)
    return calls


def me(api, login, password, **kw):
    return api.get("/users/current.json", basic=(login, password), **kw)


def test_failed_logins_are_throttled_per_login_without_hashing(api, people, clock, hashing):
    people.user("jsmith", password="right-password")
    for _ in range(users.FAILED_LOGINS_PER_LOGIN):
        assert me(api, "jsmith", "wrong").status_code == 401
    assert len(hashing) == users.FAILED_LOGINS_PER_LOGIN
    for fmt in ("json", "xml"):
        r = api.get(f"/users/current.{fmt}", basic=("jsmith", "right-password"))
        assert r.status_code == 429
        assert 0 < int(r.headers["Retry-After"]) <= users.FAILED_LOGIN_WINDOW
    assert "Too many requests" in r.body.decode() and r.body.decode().startswith('<?xml')
    assert len(hashing) == users.FAILED_LOGINS_PER_LOGIN            # no hashing once throttled
    # API keys keep working, in a header or as the Basic user name
    key = people.key("jsmith")
    assert api.get("/users/current.json", key=key).status_code == 200
    assert me(api, key, "anything").status_code == 200
    clock[0] += users.FAILED_LOGIN_WINDOW
    assert me(api, "jsmith", "right-password").status_code == 200


def test_failed_logins_are_throttled_per_client_address(api, people, clock):
    people.user("victim", password="right-password")
    for n in range(users.FAILED_LOGINS_PER_ADDRESS):
        assert me(api, f"nobody{n}", "guess").status_code == 401
    assert me(api, "victim", "right-password").status_code == 429


def test_unknown_and_locked_logins_cost_the_same_hashing(api, people, clock, hashing):
    people.user("real", password="right-password")
    people.user("locked", password="right-password", status=3)
    for login in ("real", "locked", "nobody-at-all"):
        hashing.clear()
        assert me(api, login, "wrong-password").status_code == 401
        assert len(hashing) == 1, login


def test_a_remembered_password_is_not_slowed_down(api, people, clock, hashing):
    people.user("busy", password="right-password")
    assert me(api, "busy", "right-password").status_code == 200
    hashing.clear()
    for _ in range(3):
        assert me(api, "busy", "right-password").status_code == 200
    assert hashing == []


def test_cors_headers_on_errors_and_limits_for_allowed_origins(api, crm, clock):
    form = body_json(api.post("/projects/support/web_forms.json", {"web_form": {
        "name": "F", "allowed_origins": [SITE], "rate_limit": 1}}, key=crm.admin))["web_form"]
    path = f"/contacts.json?key={form['key']}"
    r = api.post(path, "contact[last_name]=NoFirst", content_type="application/x-www-form-urlencoded",
                 headers={"Origin": SITE})
    assert (r.status_code, r.headers.get("Access-Control-Allow-Origin")) == (422, SITE)
    r = api.post(path, "contact[first_name]=Ann", content_type="application/x-www-form-urlencoded",
                 headers={"Origin": SITE})
    assert (r.status_code, r.headers.get("Access-Control-Allow-Origin")) == (429, SITE)
    r = api.post(path, "contact[first_name]=Ann", content_type="application/x-www-form-urlencoded",
                 headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in r.headers


def test_hardening_headers(api, crm):
    r = api.get("/contacts.json", key=crm.admin)
    assert (r.headers["X-Content-Type-Options"], r.headers["Cache-Control"]) == ("nosniff", "no-store")
    r = api.get("/contacts.json")
    assert r.headers["X-Content-Type-Options"] == "nosniff" and "Cache-Control" not in r.headers
    r = api.post("/contacts.json", '{"contact": ', key=crm.admin, content_type="application/json")
    assert (r.status_code, body_json(r)) == (400, {"errors": ["JSON body is not valid (line 1, column 13)"]})
    r = api.post("/contacts.xml", "<contact><first_name>A</contact>", key=crm.admin, content_type="application/xml")
    assert r.status_code == 400
    assert "<error>XML body is not well-formed (line 1, column 25)</error>" in r.body.decode()


def test_cross_site_form_posts_with_stored_basic_credentials_are_refused(api, crm):
    crm.people.user("clerk", password="right-password", admin=True)
    token = base64.b64encode(b"clerk:right-password").decode()
    body = "contact[first_name]=Forged&project_id=support"
    r = api.post("/contacts.json", body, content_type="application/x-www-form-urlencoded",
                 headers={"Authorization": f"Basic {token}", "Origin": "https://evil.example"})
    assert (r.status_code, r.body) == (403, b"")
    assert crm.ids("/contacts.json")[1] == 0
    # the same post from the API's own origin, as JSON, or without a browser's Origin goes through
    for headers, content_type in (({"Origin": "http://localhost"}, "application/x-www-form-urlencoded"),
                                  ({}, "application/x-www-form-urlencoded")):
        r = api.post("/contacts.json", body, content_type=content_type,
                     headers={"Authorization": f"Basic {token}", **headers})
        assert r.status_code == 201
    r = api.post("/contacts.json", {"contact": {"first_name": "Json", "project_id": "support"}},
                 headers={"Authorization": f"Basic {token}", "Origin": "https://evil.example"})
    assert r.status_code == 201


def test_uploads_per_user_are_capped(api, crm, clock, monkeypatch):
    from chalicelib.services import avatars
    monkeypatch.setattr(avatars, "UPLOADS_PER_DAY", 2)
    png = b"\x89PNG\r\n\x1a\n" + bytes(16)
    for _ in range(2):
        assert api.post("/uploads.json", png, key=crm.admin, content_type="application/octet-stream").status_code == 201
    r = api.post("/uploads.json", png, key=crm.admin, content_type="application/octet-stream")
    assert (r.status_code, "Retry-After" in r.headers) == (429, True)
