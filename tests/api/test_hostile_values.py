"""Hostile values answer 400, 404 or 422, never 5xx, and leave nothing behind: unicode digits,
huge integers, lone surrogates, names that grow past DynamoDB's key limits under NFKC, unknown
XML encodings, non-ASCII redirect URLs, and regular expressions that backtrack."""
import json

import pytest

from tests.conftest import body_json

SURROGATE_BODY = '{"%s": {"first_name": "\\ud800", "name": "\\ud800", "content": "\\ud800", "subject": "\\ud800"}}'
WRITE_ENDPOINTS = [("POST", "/contacts.json", "contact"), ("PUT", "/contacts/1.json", "contact"),
                   ("POST", "/contacts/1/projects.json", "project"), ("POST", "/notes.json", "note"),
                   ("POST", "/contacts/1/notes.json", "note"), ("POST", "/deals.json", "deal"),
                   ("PUT", "/deals/1.json", "deal"), ("POST", "/tickets.json", "ticket"),
                   ("POST", "/projects.json", "project"), ("PUT", "/projects/1.json", "project"),
                   ("POST", "/users.json", "user"), ("POST", "/roles.json", "role"),
                   ("POST", "/custom_fields.json", "custom_field")]


@pytest.mark.parametrize("path, status", [
    ("/contacts/%C2%B2.json", 404), ("/contacts/%D9%A3.json", 404), ("/deals/%C2%B2.json", 404),
    ("/notes/%C2%B2.json", 404), ("/tickets/%C2%B2.json", 404), ("/attachments/%C2%B2", 404),
    ("/contacts/" + "9" * 5000 + ".json", 404), ("/deals/" + "9" * 30 + ".json", 404),
    ("/contacts.json?ids=%C2%B2", 422), ("/contacts.json?author_id=%D9%A3", 422),
    ("/contacts.json?assigned_to_id=" + "9" * 5000, 422), ("/deals.json?contact_id=%C2%B2", 422),
    ("/users/" + "9" * 5000 + ".json", 404), ("/projects/%C2%B2.json", 404),
])
def test_odd_ids_are_not_found_or_invalid(api, crm, path, status):
    crm.contact(first_name="Present")
    r = api.get(path, key=crm.admin)
    assert r.status_code == status, r.body


def test_unicode_digits_are_no_page_size(api, crm):
    r = api.get("/contacts.json?limit=%D9%A3&offset=%C2%B2", key=crm.admin)
    assert (r.status_code, body_json(r)["limit"], body_json(r)["offset"]) == (200, 25, 0)


@pytest.mark.parametrize("method, path, root", WRITE_ENDPOINTS)
def test_lone_surrogates_are_a_broken_body(api, crm, method, path, root):
    crm.contact(first_name="Present")
    r = api.request(method, path, body=SURROGATE_BODY % root, key=crm.admin, content_type="application/json")
    assert (r.status_code, body_json(r)) == (400, {"errors": ["JSON body contains text that is not valid Unicode"]})


def test_huge_json_integers_are_invalid(api, crm):
    body = '{"contact": {"first_name": "A", "project_id": "support", "assigned_to_id": %s}}' % ("9" * 4000)
    r = api.post("/contacts.json", body, key=crm.admin, content_type="application/json")
    assert (r.status_code, body_json(r)) == (422, {"errors": ["Assigned to is invalid"]})
    body = '{"contact": {"first_name": "A", "project_id": "support", "visibility": %s}}' % ("1" * 6000)
    assert api.post("/contacts.json", body, key=crm.admin, content_type="application/json").status_code == 400
    assert crm.ids("/contacts.json")[1] == 0


def test_names_that_nfkc_expands_past_key_limits(api, crm):
    long_company = "\ufdfa" * 255             # each becomes 18 characters under NFKC
    long_tag = "\ufdfa" * 100
    company = crm.contact(first_name=long_company, is_company=True, tag_list=[long_tag])
    person = crm.contact(first_name="Ann", company=long_company, tag_list=[long_tag, "short"])
    other = crm.contact(first_name="Bob", company=long_company[:-1] + "x", tag_list=[long_tag[:-1] + "x"])
    r = api.get(f"/contacts/{company}.json?include=contacts", key=crm.admin)
    assert body_json(r)["contact"]["contacts"] == [{"id": person, "name": "Ann"}]
    assert crm.ids("/contacts.json?tags=" + long_tag) == ([person, company], 2)
    tags = body_json(api.get("/contacts_tags.json", key=crm.admin))["tags"]
    assert sorted(t["name"] for t in tags) == sorted([long_tag, long_tag[:-1] + "x", "short"])
    assert api.delete(f"/contacts/{other}.json", key=crm.admin).status_code == 204


def test_an_unknown_xml_encoding_is_a_broken_body(api, crm):
    r = api.post("/contacts.xml", '<?xml version="1.0" encoding="klingon"?><contact><first_name>A</first_name></contact>',
                 key=crm.admin, content_type="application/xml")
    assert r.status_code == 400
    assert "<error>XML body declares an unknown encoding</error>" in r.body.decode()


def test_non_ascii_redirect_urls_are_refused_at_registration(api, crm):
    r = api.post("/projects/support/web_forms.json",
                 {"web_form": {"name": "F", "redirect_urls": ["https://www.example.com/danke-schön"]}}, key=crm.admin)
    assert (r.status_code, body_json(r)) == (422, {"errors": ["Redirect urls is invalid"]})
    form = body_json(api.post("/projects/support/web_forms.json", {"web_form": {
        "name": "F", "redirect_urls": ["https://www.example.com/thanks"]}}, key=crm.admin))["web_form"]
    r = api.post(f"/contacts.json?key={form['key']}",
                 "project_id=support&contact[first_name]=Ann&redirect_on_success=https://www.example.com/thanks/sch%C3%B6n",
                 content_type="application/x-www-form-urlencoded")
    assert (r.status_code, body_json(r)) == (422, {"errors": ["Redirect on success is not allowed"]})
    assert crm.ids("/contacts.json")[1] == 0


def test_a_backtracking_pattern_runs_in_linear_time(api, crm):
    field = crm.custom_field(name="Code", field_format="string", regexp="^(a+)+$")
    r = api.post("/contacts.json", {"contact": {"first_name": "A", "project_id": "support",
                                                "custom_fields": [{"id": field, "value": "a" * 30000 + "b"}]}},
                 key=crm.admin)
    assert (r.status_code, body_json(r)) == (422, {"errors": ["Code is invalid"]})
    r = api.post("/contacts.json", {"contact": {"first_name": "A", "project_id": "support",
                                                "custom_fields": [{"id": field, "value": "aaaa"}]}}, key=crm.admin)
    assert r.status_code == 201
    r = api.post("/custom_fields.json", {"custom_field": {"name": "Twice", "regexp": "(a)\\1"}}, key=crm.admin)
    assert (r.status_code, body_json(r)) == (422, {"errors": ["Regular expression is invalid"]})
    assert json.loads(api.get("/custom_fields.json", key=crm.admin).body)["total_count"] == 1
