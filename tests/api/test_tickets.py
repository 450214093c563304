"""Support tickets of contacts: CRUD in both formats, includes, visibility."""
import pytest

from tests.conftest import body_json, written


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
    crm.member("viewer", "support", "Reporter")
    visible = crm.contact(first_name="Open")
    hidden = crm.contact(first_name="Secret", visibility=2)
    open_ticket(api, crm.admin, subject="Seen", contact_id=visible)
    secret = body_json(open_ticket(api, crm.admin, subject="Unseen", contact_id=hidden))["ticket"]["id"]
    listed = body_json(api.get("/tickets.json", key=crm.key("viewer")))
    assert [t["subject"] for t in listed["tickets"]] == ["Seen"] and listed["total_count"] == 1
    xml = api.get("/tickets.xml", key=crm.key("viewer")).body.decode()
    assert 'total_count="1"' in xml and "<subject>Seen</subject>" in xml and "Unseen" not in xml
    assert api.get(f"/tickets/{secret}.json", key=crm.key("viewer")).status_code == 403
    assert open_ticket(api, crm.key("viewer"), subject="x", contact_id=visible).status_code == 403
    assert api.get("/tickets.json").status_code == 401


def test_deleting_the_contact_deletes_its_tickets(api, crm, contact):
    ticket = body_json(open_ticket(api, crm.admin, subject="Gone", contact_id=contact))["ticket"]["id"]
    written(api.delete(f"/contacts/{contact}.json", key=crm.admin))
    assert api.get(f"/tickets/{ticket}.json", key=crm.admin).status_code == 404
    assert body_json(api.get("/tickets.json", key=crm.admin))["total_count"] == 0


def test_a_ticket_for_a_contact_deleted_meanwhile_is_refused(api, crm, contact, monkeypatch):
    """The contact was read, then deleted by someone else, before the ticket was written: the
    ticket's write is conditioned on its contact, so nothing is left under a deleted contact."""
    from chalicelib.services import contacts as contact_rules
    from chalicelib.store import consistency
    real_find = contact_rules.find

    def find_then_deleted(caller, contact_id, permission=None):
        found = real_find(caller, contact_id, permission)
        monkeypatch.setattr(contact_rules, "find", real_find)
        assert api.delete(f"/contacts/{contact_id}.json", key=crm.admin).status_code == 204
        return found

    monkeypatch.setattr(contact_rules, "find", find_then_deleted)
    r = api.post("/tickets.json", {"ticket": {"subject": "Late", "contact_id": contact}}, key=crm.admin)
    assert r.status_code == 404
    assert consistency.check().problems == []


def test_a_ticket_opened_while_its_contact_is_deleted_goes_with_it(api, crm, contact, monkeypatch):
    """The delete listed the contact's tickets, then a ticket arrived: the ticket advanced the
    contact's version, so the delete's transaction fails its condition and lists again."""
    from chalicelib.store import attached, consistency
    real_under = attached.Attached.under
    opened = []

    def under_then_ticket(self, home_pk):
        found = real_under(self, home_pk)
        if self.kind == "ticket" and not opened:
            r = api.post("/tickets.json", {"ticket": {"subject": "Meanwhile", "contact_id": contact}},
                         key=crm.admin)
            opened.append(r.status_code)
        return found

    monkeypatch.setattr(attached.Attached, "under", under_then_ticket)
    assert api.delete(f"/contacts/{contact}.json", key=crm.admin).status_code == 204
    assert opened == [201]
    assert api.get("/tickets/1.json", key=crm.admin).status_code == 404
    assert consistency.check().problems == []


def test_ticket_lists_decide_on_the_summary_each_ticket_carries(api, crm, monkeypatch):
    """A ticket carries its contact's visibility: a list reads no contact but its page's, the
    summary follows a change of the contact, and a lagging one never shows a ticket too many."""
    from chalicelib.store import attached, consistency, meter
    from chalicelib.store.crm import CrmItem
    crm.member("viewer", "support", "Reporter")
    shown, hidden = crm.contact(first_name="Shown"), crm.contact(first_name="Hidden", visibility=2)
    for n in range(12):
        written(api.post("/tickets.json", {"ticket": {"subject": f"T{n}", "contact_id": hidden if n % 3 == 0 else shown}},
                         key=crm.admin))

    def listed(key, query="limit=3&offset=3"):
        with meter.measure() as cost:
            doc = body_json(api.get(f"/tickets.json?{query}", key=key))
        return doc, cost
    for key, total in ((crm.admin, 12), (crm.key("viewer"), 8)):
        doc, cost = listed(key)
        assert doc["total_count"] == total and len(doc["tickets"]) == 3
        assert cost.items("BatchGetItem", CrmItem.Meta.table_name) <= 3 + 3     # the page's contacts only
    written(api.put(f"/contacts/{shown}.json", {"contact": {"visibility": 2}}, key=crm.admin))
    assert listed(crm.key("viewer"))[0]["total_count"] == 0
    assert consistency.check().problems == []
    monkeypatch.setattr(attached.tickets, "follow", lambda *args: 0)        # the follow-up is lost
    written(api.put(f"/contacts/{shown}.json", {"contact": {"visibility": 0}}, key=crm.admin))
    monkeypatch.undo()
    assert consistency.check().problems != []
    assert listed(crm.key("viewer"), "limit=100")[0]["total_count"] == 0   # lagging: a ticket short, not too many
    assert len(listed(crm.admin, "limit=100")[0]["tickets"]) == 12          # a page seen brings them up to date
    assert consistency.check().problems == []
    assert listed(crm.key("viewer"), "limit=100")[0]["total_count"] == 8


@pytest.mark.parametrize("meanwhile", ["ticket deleted", "contact changed again", "ticket changed"])
def test_a_follow_up_overtaken_by_another_write_leaves_the_counters_right(api, crm, monkeypatch, meanwhile):
    """A contact's change is being followed: its tickets were read, and before the follow-up
    writes them, another request deletes one, changes the contact again (and follows that), or
    changes a ticket. Each ticket's summary and counters move in one transaction conditioned on
    the summary read, so nothing is counted twice or lost, and the lists agree with the contacts."""
    from chalicelib.store import attached, consistency
    crm.member("viewer", "support", "Reporter")
    contact = crm.contact(first_name="Raced")
    ids = [body_json(open_ticket(api, crm.admin, subject=f"T{n}", contact_id=contact))["ticket"]["id"] for n in range(2)]
    real_under = attached.Tickets.under
    done = []

    def under_then_another_write(self, home_pk):
        found = real_under(self, home_pk)
        if not done:
            done.append(True)
            if meanwhile == "ticket deleted":
                written(api.delete(f"/tickets/{ids[0]}.json", key=crm.admin))
            elif meanwhile == "contact changed again":
                written(api.put(f"/contacts/{contact}.json", {"contact": {"visibility": 1}}, key=crm.admin))
            else:
                written(api.put(f"/tickets/{ids[0]}.json", {"ticket": {"status_id": 3}}, key=crm.admin))
        return found

    monkeypatch.setattr(attached.Tickets, "under", under_then_another_write)
    written(api.put(f"/contacts/{contact}.json", {"contact": {"visibility": 2}}, key=crm.admin))
    monkeypatch.undo()
    assert done and consistency.check().problems == []
    seen = body_json(api.get("/tickets.json", key=crm.key("viewer")))
    expected = []
    if meanwhile == "contact changed again":
        # The second change (public) was stored after the first and followed; the first
        # follow-up, holding the summary it read before, is refused for every ticket.
        assert body_json(api.get(f"/contacts/{contact}.json", key=crm.admin))["contact"]["visibility"] == 1
        expected = sorted(ids, reverse=True)
    assert [t["id"] for t in seen["tickets"]] == expected and seen["total_count"] == len(expected)
    if meanwhile == "ticket changed":
        shown = body_json(api.get(f"/tickets/{ids[0]}.json", key=crm.admin))["ticket"]
        assert shown["status"]["id"] == 3
