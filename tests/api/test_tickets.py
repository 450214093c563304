"""Support tickets of contacts: CRUD in both formats, includes, visibility."""
import pytest

from tests.conftest import body_json


@pytest.fixture
def contact(crm):
    return crm.contact(first_name="Ann", last_name="Smith")


def open_ticket(api, key, **fields):
    return api.post("/tickets.json", {"ticket": fields}, key=key)


def test_crud_and_shapes(api, crm, contact):
    r = open_ticket(api, crm.admin, subject="Printer on fire", contact_id=contact, due_date="2026-12-01",
                    description="Smoke everywhere")
    assert r.status_code == 201
    ticket = body_json(r)["ticket"]
    assert ticket["status"] == {"id": 1, "name": "New"}
    assert ticket["contact"] == {"id": contact, "name": "Ann Smith"}
    assert ticket["project"] == {"id": 1, "name": "Support"}
    assert list(ticket) == ["id", "subject", "description", "status", "due_date", "contact", "project",
                            "created_on", "updated_on"]
    r = api.put(f"/tickets/{ticket['id']}.xml", "<ticket><status_id>3</status_id></ticket>", key=crm.admin,
                content_type="application/xml")
    assert r.status_code == 204
    text = api.get(f"/tickets/{ticket['id']}.xml", key=crm.admin).body.decode()
    assert '<status id="3" name="Closed"/><due_date>2026-12-01</due_date>' in text
    listed = body_json(api.get("/tickets.json", key=crm.admin))
    assert (listed["total_count"], listed["tickets"][0]["id"]) == (1, ticket["id"])
    assert body_json(api.get("/tickets.json?status_id=1", key=crm.admin))["total_count"] == 0
    assert api.delete(f"/tickets/{ticket['id']}.json", key=crm.admin).status_code == 204
    assert api.get(f"/tickets/{ticket['id']}.json", key=crm.admin).status_code == 404


@pytest.mark.parametrize("fields, errors", [
    ({"contact_id": 1}, ["Subject cannot be blank"]),
    ({"subject": "x"}, ["Contact cannot be blank"]),
    ({"subject": "x", "contact_id": 1, "status_id": 9}, ["Status is not included in the list"]),
    ({"subject": "x", "contact_id": 1, "due_date": "soon"}, ["Due date is not a valid date"]),
])
def test_validation(api, crm, contact, fields, errors):
    r = open_ticket(api, crm.admin, **fields)
    assert (r.status_code, body_json(r)["errors"]) == (422, errors)


def test_include_tickets_and_issues(api, crm, contact):
    first = body_json(open_ticket(api, crm.admin, subject="One", contact_id=contact))["ticket"]["id"]
    open_ticket(api, crm.admin, subject="Two", contact_id=contact)
    shown = body_json(api.get(f"/contacts/{contact}.json?include=tickets,issues", key=crm.admin))["contact"]
    assert [t["subject"] for t in shown["tickets"]] == ["One", "Two"]
    assert shown["issues"] == shown["tickets"]
    assert list(shown["tickets"][0]) == ["id", "subject", "status", "due_date", "created_on", "updated_on"]
    text = api.get(f"/contacts/{contact}.xml?include=issues", key=crm.admin).body.decode()
    assert f'<issues type="array"><issue><id>{first}</id><subject>One</subject><status id="1" name="New"/>' in text


def test_tickets_of_hidden_contacts_are_hidden(api, crm):
    crm.member("viewer", "support", 5)
    visible = crm.contact(first_name="Open")
    hidden = crm.contact(first_name="Secret", visibility=2)
    open_ticket(api, crm.admin, subject="Seen", contact_id=visible)
    secret = body_json(open_ticket(api, crm.admin, subject="Unseen", contact_id=hidden))["ticket"]["id"]
    listed = body_json(api.get("/tickets.json", key=crm.key("viewer")))
    assert [t["subject"] for t in listed["tickets"]] == ["Seen"] and listed["total_count"] == 1
    assert api.get(f"/tickets/{secret}.json", key=crm.key("viewer")).status_code == 403
    assert open_ticket(api, crm.key("viewer"), subject="x", contact_id=visible).status_code == 403
    assert api.get("/tickets.json").status_code == 401


def test_deleting_the_contact_deletes_its_tickets(api, crm, contact):
    ticket = body_json(open_ticket(api, crm.admin, subject="Gone", contact_id=contact))["ticket"]["id"]
    api.delete(f"/contacts/{contact}.json", key=crm.admin)
    assert api.get(f"/tickets/{ticket}.json", key=crm.admin).status_code == 404
    assert body_json(api.get("/tickets.json", key=crm.admin))["total_count"] == 0
