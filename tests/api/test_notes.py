"""Notes on contacts: the plugin's API cases, shapes, permissions, visibility, includes."""
import time

import pytest

from chalicelib.store import meter
from tests.conftest import body_json, written

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def contact(crm):
    return crm.contact(first_name="Apple Inc.", is_company=True)


def test_the_plugins_api_cases(api, crm, contact):
    r = api.post("/notes.xml", "note[content]=API test&project_id=1&source_id=1&source_type=Contact",
                 key=crm.admin, content_type=FORM)
    assert r.status_code == 201
    assert r.headers["Location"] == "http://localhost/notes/1"
    text = r.body.decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?><note><id>1</id>'
                           '<source id="1" name="Apple Inc." type="Contact"/><subject/><content>API test</content>'
                           '<type_id/><author id="1" name="Admin Tester"/><created_on>')
    r = api.put("/notes/1.xml", "note[content]=Changed&note[type_id]=1", key=crm.admin, content_type=FORM)
    assert (r.status_code, r.body) == (204, b"")
    note = body_json(api.get("/notes/1.json", key=crm.admin))["note"]
    assert (note["content"], note["type_id"]) == ("Changed", 1)
    assert list(note) == ["id", "source", "subject", "content", "type_id", "author", "created_on", "updated_on"]
    assert api.delete("/notes/1.xml", key=crm.admin).status_code == 204
    assert api.get("/notes/1.json", key=crm.admin).status_code == 404


def test_create_under_a_contact_with_json_and_backdating(api, crm, contact):
    r = api.post(f"/contacts/{contact}/notes.json", {"note": {"content": "Called", "subject": "Follow-up",
                                                               "type_id": 1, "created_on": "2020-05-01T10:00:00+02:00"}},
                 key=crm.admin)
    assert r.status_code == 201
    note = body_json(r)["note"]
    assert (note["subject"], note["created_on"], note["source"]) == \
        ("Follow-up", "2020-05-01T08:00:00Z", {"id": contact, "name": "Apple Inc.", "type": "Contact"})


@pytest.mark.parametrize("note, errors", [
    ({}, ["Content cannot be blank"]),
    ({"content": "   "}, ["Content cannot be blank"]),
    ({"content": "x", "type_id": 7}, ["Type is not included in the list"]),
    ({"content": "x", "created_on": "yesterday"}, ["Created on is not a valid date"]),
    ({"content": "x" * 65537}, ["Content is too long (maximum is 65536 characters)"]),
])
def test_validation(api, crm, contact, note, errors):
    r = api.post(f"/contacts/{contact}/notes.json", {"note": note}, key=crm.admin)
    assert (r.status_code, body_json(r)["errors"]) == (422, errors)


def test_source_must_be_given_and_exist(api, crm, contact):
    r = api.post("/notes.json", {"note": {"content": "x"}}, key=crm.admin)
    assert body_json(r)["errors"] == ["Source cannot be blank"]
    r = api.post("/notes.json", {"note": {"content": "x", "source_id": 999}}, key=crm.admin)
    assert r.status_code == 404
    r = api.post("/notes.json", {"note": {"content": "x", "source_id": contact, "source_type": "Issue"}},
                 key=crm.admin)
    assert body_json(r)["errors"] == ["Source type is not included in the list"]


def test_adding_a_note_touches_the_contact_and_its_entries(api, crm, contact):
    before = body_json(api.get(f"/contacts/{contact}.json", key=crm.admin))["contact"]["updated_on"]
    time.sleep(1.1)
    written(api.post(f"/contacts/{contact}/notes.json", {"note": {"content": "Touch"}}, key=crm.admin))
    after = body_json(api.get(f"/contacts/{contact}.json", key=crm.admin))["contact"]["updated_on"]
    assert after > before
    assert crm.ids(f"/contacts.json?updated_on=%3E%3D{after}") == ([contact], 1)


def test_include_notes_oldest_first(api, crm, contact):
    for content, stamp in (("second", "2021-01-01T00:00:00Z"), ("first", "2020-01-01T00:00:00Z"), ("third", None)):
        body = {"note": {"content": content}}
        if stamp:
            body["note"]["created_on"] = stamp
        written(api.post(f"/contacts/{contact}/notes.json", body, key=crm.admin))
    shown = body_json(api.get(f"/contacts/{contact}.json?include=notes", key=crm.admin))["contact"]
    assert [n["content"] for n in shown["notes"]] == ["first", "second", "third"]
    assert list(shown["notes"][0]) == ["id", "content", "type_id", "author", "created_on", "updated_on"]
    text = api.get(f"/contacts/{contact}.xml?include=notes", key=crm.admin).body.decode()
    assert '<notes type="array"><note><id>2</id><content>first</content><type_id/><author id="1"' in text
    with meter.measure() as cost:
        api.get(f"/contacts/{contact}.json?include=notes,contacts,deals,tickets", key=crm.admin)
    # key + user, contact, projects, custom fields, authors, notes, company people, deals, tickets
    assert cost.calls <= 10 and cost.scans == 0


def test_permissions(api, crm, contact):
    crm.member("reporter", "support", "Reporter")
    crm.member("developer", "support", "Developer")
    written(api.post("/roles.json", {"role": {"name": "Own notes", "permissions": ["view_contacts", "add_notes",
                                                                            "delete_own_notes"]}}, key=crm.admin))
    crm.member("writer", "support", "Own notes")
    r = api.post(f"/contacts/{contact}/notes.json", {"note": {"content": "no"}}, key=crm.key("reporter"))
    assert r.status_code == 403
    by_developer = body_json(api.post(f"/contacts/{contact}/notes.json", {"note": {"content": "dev"}},
                                      key=crm.key("developer")))["note"]["id"]
    by_writer = body_json(api.post(f"/contacts/{contact}/notes.json", {"note": {"content": "mine"}},
                                   key=crm.key("writer")))["note"]["id"]
    assert api.get(f"/notes/{by_writer}.json", key=crm.key("reporter")).status_code == 200
    assert api.put(f"/notes/{by_developer}.json", {"note": {"content": "x"}}, key=crm.key("developer")).status_code == 403
    assert api.delete(f"/notes/{by_developer}.json", key=crm.key("writer")).status_code == 403
    assert api.put(f"/notes/{by_writer}.json", {"note": {"content": "edited"}}, key=crm.key("writer")).status_code == 204
    assert api.delete(f"/notes/{by_writer}.json", key=crm.key("writer")).status_code == 204
    assert api.delete(f"/notes/{by_developer}.json", key=crm.admin).status_code == 204
    assert api.post(f"/contacts/{contact}/notes.json", {"note": {"content": "x"}}).status_code == 401


def test_notes_of_hidden_contacts_are_hidden(api, crm):
    crm.member("viewer", "support", "Reporter")
    hidden = crm.contact(first_name="Secret", visibility=2)
    note = body_json(api.post(f"/contacts/{hidden}/notes.json", {"note": {"content": "psst"}}, key=crm.admin))["note"]
    assert api.get(f"/notes/{note['id']}.json", key=crm.key("viewer")).status_code == 403
    assert api.put(f"/notes/{note['id']}.json", {"note": {"content": "x"}}, key=crm.key("viewer")).status_code == 403
    assert api.get(f"/contacts/{hidden}.json?include=notes", key=crm.key("viewer")).status_code == 403


def test_deleting_a_contact_deletes_its_notes(api, crm, contact):
    note = body_json(api.post(f"/contacts/{contact}/notes.json", {"note": {"content": "gone"}}, key=crm.admin))["note"]
    assert api.delete(f"/contacts/{contact}.json", key=crm.admin).status_code == 204
    assert api.get(f"/notes/{note['id']}.json", key=crm.admin).status_code == 404
    from chalicelib.store.crm import CrmItem
    assert list(CrmItem.query(f"contact#{contact}")) == []
