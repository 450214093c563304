"""Web forms on static sites: form keys, the documented form, redirects, CORS and abuse."""
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from chalicelib.store import ratelimits
from tests.conftest import body_json, written

SITE = "https://www.example.com"


@pytest.fixture
def form(api, crm):
    crm.custom_field(name="Source", field_format="list", possible_values=["web", "fair"])
    crm.project("other")
    r = api.post("/projects/support/web_forms.json", {"web_form": {
        "name": "Contact us", "allowed_origins": [SITE], "redirect_urls": [f"{SITE}/thanks", f"{SITE}/sorry"],
        "default_tags": "lead, web", "assigned_to_id": 1}}, key=crm.admin)
    assert r.status_code == 201, r.body
    return body_json(r)["web_form"]


def multipart(fields, boundary="----formboundary7MA4YWxk"):
    chunks = []
    for name, value in fields:
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n')
    chunks.append(f"--{boundary}--\r\n")
    return "".join(chunks), f"multipart/form-data; boundary={boundary}"


def seed_form(key, **extra):
    fields = [("key", key), ("project_id", "support"), ("contact[first_name]", "Jane"),
              ("contact[last_name]", "Lead"), ("contact[company]", "Prospect Ltd"),
              ("contact[phone]", "+1 555 0100"), ("contact[email]", "Jane@Prospect.example"),
              ("contact[tag_list]", "newsletter"), ("contact[custom_fields][][id]", "1"),
              ("contact[custom_fields][][value]", "web"), ("commit", "Send")]
    return fields + list(extra.items())


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_the_documented_form_creates_the_contact(api, crm, form, encoding):
    fields = seed_form(form["key"])
    if encoding == "multipart":
        body, content_type = multipart(fields)
    else:
        body, content_type = urlencode(fields), "application/x-www-form-urlencoded"
    r = api.post("/contacts.json", body, content_type=content_type)
    assert r.status_code == 201, r.body
    contact = body_json(r)["contact"]
    assert (contact["first_name"], contact["company"], contact["visibility"]) == ("Jane", "Prospect Ltd", 0)
    assert contact["emails"] == [{"address": "jane@prospect.example"}]
    assert contact["tag_list"] == ["lead", "web", "newsletter"]
    assert contact["assigned_to"]["id"] == 1
    assert contact["custom_fields"] == [{"id": 1, "name": "Source", "value": "web"}]
    assert contact["projects"] == [{"id": 1, "name": "Support"}]
    assert "author" not in contact


def test_form_document_in_both_formats(api, crm, form):
    assert form["key"].startswith("wf_") and len(form["key"]) == 43
    assert (form["allowed_origins"], form["default_tags"]) == ([SITE], ["lead", "web"])
    text = api.get("/projects/support/web_forms.xml", key=crm.admin).body.decode()
    assert f'<allowed_origins type="array"><allowed_origin>{SITE}</allowed_origin></allowed_origins>' in text
    assert body_json(api.get("/projects/support/web_forms.json", key=crm.admin))["total_count"] == 1


def test_a_form_key_reads_nothing_and_writes_only_contacts_of_its_project(api, crm, form):
    key = form["key"]
    contact = crm.contact(first_name="Existing")
    for method, path in (("GET", "/contacts.json"), ("GET", f"/contacts/{contact}.json"),
                         ("GET", "/projects.json"), ("GET", "/users/current.json"),
                         ("PUT", f"/contacts/{contact}.json"), ("DELETE", f"/contacts/{contact}.json"),
                         ("GET", "/projects/support/web_forms.json")):
        r = api.request(method, f"{path}?key={key}", {"contact": {"first_name": "x"}} if method == "PUT" else None)
        assert r.status_code == 403, (method, path, r.status_code)
    r = api.post(f"/contacts.json?key={key}", {"contact": {"first_name": "X", "project_id": "other"}})
    assert r.status_code == 403
    r = api.post(f"/projects/other/contacts.json?key={key}", {"contact": {"first_name": "X"}})
    assert r.status_code == 403
    r = api.post(f"/contacts.json?key={key}", {"contact": {"first_name": "Sneaky", "visibility": 1,
                                                           "project_ids": ["other"], "author_id": 1}})
    assert r.status_code == 201
    created = body_json(r)["contact"]
    assert (created["visibility"], created["projects"]) == (0, [{"id": 1, "name": "Support"}])


def test_a_revoked_or_unknown_form_key_gets_401(api, crm, form):
    assert api.delete(f"/web_forms/{form['id']}.json", key=crm.admin).status_code == 204
    r = api.post(f"/contacts.json?key={form['key']}", {"contact": {"first_name": "Late"}})
    assert r.status_code == 401
    assert api.post("/contacts.json?key=wf_" + "0" * 40, {"contact": {"first_name": "X"}}).status_code == 401
    assert crm.ids("/contacts.json")[1] == 0


def test_a_user_key_still_works_for_forms(api, crm, form):
    body = urlencode([("key", crm.admin), ("project_id", "support"), ("contact[first_name]", "Plugin"),
                      ("redirect_on_success", f"{SITE}/thanks")])
    r = api.post("/contacts.json", body, content_type="application/x-www-form-urlencoded")
    assert (r.status_code, r.headers["Location"]) == (303, f"{SITE}/thanks")
    assert crm.ids("/contacts.json?search=plugin")[1] == 1


def test_redirects_go_only_to_registered_urls(api, crm, form):
    body = urlencode(seed_form(form["key"], redirect_on_success=f"{SITE}/thanks/page?from=form"))
    r = api.post("/contacts.json", body, content_type="application/x-www-form-urlencoded")
    assert (r.status_code, r.headers["Location"], r.body) == (303, f"{SITE}/thanks/page?from=form", b"")


@pytest.mark.parametrize("target", [
    "https://evil.example/thanks", "http://www.example.com/thanks", "//evil.example/thanks",
    "javascript:alert(1)", "https://www.example.com.evil.example/thanks",
    "https://www.example.com@evil.example/thanks", "https://user:pw@www.example.com/thanks",
    "https:\\\\evil.example/thanks", "https://www.example.com/thanksgiving", "/thanks",
    "https://www.example.com/thanks/../admin", "https://www.example.com/thanks/%2e%2e/admin",
    "https://www.example.com:8443/thanks", " https://www.example.com/thanks", "data:text/html,hi",
])
def test_open_redirect_attempts_are_422(api, crm, form, target):
    body = urlencode(seed_form(form["key"], redirect_on_success=target))
    r = api.post("/contacts.json", body, content_type="application/x-www-form-urlencoded")
    assert (r.status_code, body_json(r)) == (422, {"errors": ["Redirect on success is not allowed"]})
    assert crm.ids("/contacts.json")[1] == 0


def test_validation_errors_redirect_with_their_messages(api, crm, form):
    fields = [("key", form["key"]), ("contact[first_name]", ""), ("contact[email]", "bad"),
              ("redirect_on_error", f"{SITE}/sorry?lang=en")]
    r = api.post("/contacts.json", urlencode(fields), content_type="application/x-www-form-urlencoded")
    assert r.status_code == 303
    location = urlsplit(r.headers["Location"])
    assert location.path == "/sorry"
    assert parse_qs(location.query) == {"lang": ["en"], "errors[]": ["First name cannot be blank", "Email is invalid"]}
    r = api.post("/contacts.xml", urlencode(fields[:-1]), content_type="application/x-www-form-urlencoded")
    assert r.status_code == 422 and "<error>First name cannot be blank</error>" in r.body.decode()


def test_honeypot_looks_like_success_and_stores_nothing(api, crm, form):
    fields = seed_form(form["key"], **{"contact[website_url]": "http://spam.example"})
    r = api.post("/contacts.json", urlencode(fields), content_type="application/x-www-form-urlencoded")
    assert (r.status_code, r.body) == (202, b"")
    fields.append(("redirect_on_success", f"{SITE}/thanks"))
    r = api.post("/contacts.json", urlencode(fields), content_type="application/x-www-form-urlencoded")
    assert (r.status_code, r.headers["Location"]) == (303, f"{SITE}/thanks")
    assert crm.ids("/contacts.json")[1] == 0


def test_rate_limit_per_key_and_window(api, crm, form, monkeypatch):
    moment = [1_800_000_000.0]
    monkeypatch.setattr(ratelimits, "clock", lambda: moment[0])
    for n in range(10):
        r = api.post(f"/contacts.json?key={form['key']}", {"contact": {"first_name": f"Lead{n}"}})
        assert r.status_code == 201
    r = api.post(f"/contacts.json?key={form['key']}", {"contact": {"first_name": "One too many"}})
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "60"
    assert body_json(r)["errors"] == ["Too many requests; retry in 60 seconds"]
    moment[0] += 61
    assert api.post(f"/contacts.json?key={form['key']}", {"contact": {"first_name": "Later"}}).status_code == 201
    assert crm.ids("/contacts.json?limit=100")[1] == 11


def test_daily_cap(api, crm, form, monkeypatch):
    written(api.put(f"/web_forms/{form['id']}.json", {"web_form": {"daily_cap": 2}}, key=crm.admin))
    moment = [1_800_000_000.0]
    monkeypatch.setattr(ratelimits, "clock", lambda: moment[0])
    for status in (201, 201, 429):
        moment[0] += 120   # a new minute each time: only the day's cap applies
        r = api.post(f"/contacts.json?key={form['key']}", {"contact": {"first_name": "Daily"}})
        assert r.status_code == status


def test_cors_for_allowed_origins_only(api, crm, form):
    path = f"/contacts.json?key={form['key']}"
    r = api.request("OPTIONS", path, headers={"Origin": SITE, "Access-Control-Request-Method": "POST"})
    assert r.status_code == 204
    assert (r.headers["Access-Control-Allow-Origin"], r.headers["Vary"]) == (SITE, "Origin")
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    r = api.request("OPTIONS", path, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "Access-Control-Allow-Origin" not in r.headers
    r = api.post(path, {"contact": {"first_name": "Fetched"}}, headers={"Origin": SITE})
    assert (r.status_code, r.headers["Access-Control-Allow-Origin"]) == (201, SITE)
    r = api.post(path, {"contact": {"first_name": "Elsewhere"}}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 201 and "Access-Control-Allow-Origin" not in r.headers


def test_managing_forms_needs_manage_contacts(api, crm, form):
    crm.member("manager", "support", "Manager")
    crm.member("dev", "support", "Developer")
    r = api.post("/projects/support/web_forms.json", {"web_form": {"name": "Mine"}}, key=crm.key("manager"))
    assert r.status_code == 201
    assert api.get("/projects/support/web_forms.json", key=crm.key("dev")).status_code == 403
    assert api.post("/projects/support/web_forms.json", {"web_form": {"name": "X"}}, key=crm.key("dev")).status_code == 403
    assert api.delete(f"/web_forms/{form['id']}.json", key=crm.key("dev")).status_code == 403
    assert api.get("/projects/support/web_forms.json").status_code == 401


@pytest.mark.parametrize("fields, errors", [
    ({}, ["Name cannot be blank"]),
    ({"name": "F", "allowed_origins": ["https://ok.example/path"]}, ["Allowed origins is invalid"]),
    ({"name": "F", "redirect_urls": ["javascript:alert(1)"]}, ["Redirect urls is invalid"]),
    ({"name": "F", "assigned_to_id": 99}, ["Assigned to is invalid"]),
    ({"name": "F", "rate_limit": 0}, ["Rate limit must be between 1 and 1000"]),
])
def test_form_validation(api, crm, fields, errors):
    r = api.post("/projects/support/web_forms.json", {"web_form": fields}, key=crm.admin)
    assert (r.status_code, body_json(r)["errors"]) == (422, errors)


def test_form_bodies_are_small(api, crm, form):
    r = api.post(f"/contacts.json?key={form['key']}", {"contact": {"first_name": "Big", "background": "x" * 70000}})
    assert r.status_code == 413


def test_rate_limit_per_client_address_across_forms(api, crm, form, monkeypatch):
    monkeypatch.setattr(ratelimits, "clock", lambda: 1_800_000_000.0)
    other = body_json(api.post("/projects/support/web_forms.json", {"web_form": {"name": "Second"}},
                               key=crm.admin))["web_form"]
    for n in range(10):
        assert api.post(f"/contacts.json?key={form['key']}", {"contact": {"first_name": f"A{n}"}}).status_code == 201
    # the second form has its own per-key budget, but this client address has used its minute
    r = api.post(f"/contacts.json?key={other['key']}", {"contact": {"first_name": "B"}})
    assert r.status_code == 429
