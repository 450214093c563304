"""Deals: the plugin's API cases, shapes in both formats, filters and counts, statuses,
categories, custom fields, include=deals, visibility and permissions."""
import pytest

from chalicelib.store import meter
from tests.conftest import body_json, written

FORM = "application/x-www-form-urlencoded"


def new_deal(api, key, **fields):
    fields.setdefault("project_id", 1)
    return api.post("/deals.json", {"deal": fields}, key=key)


def test_the_plugins_api_case_and_shapes(api, crm):
    contact = crm.contact(first_name="Apple Inc.", is_company=True)
    r = api.post("/deals.xml", f"deal[project_id]=1&deal[name]=API test&deal[contact_id]={contact}&deal[price]=10000",
                 key=crm.admin, content_type=FORM)
    assert r.status_code == 201
    text = r.body.decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?><deal><id>1</id><name>API test</name>'
                           '<price>10000.0</price><currency/><price_type/><probability/><due_date/><background/>'
                           '<project id="1" name="Support"/><status id="1" name="Pending"/>'
                           f'<contact id="{contact}" name="Apple Inc."/><author id="1" name="Admin Tester"/>'
                           '<related_contacts type="array"/><created_on>')
    deal = body_json(api.get("/deals/1.json", key=crm.admin))["deal"]
    assert (deal["price"], deal["status"], deal["contact"]) == \
        ("10000.0", {"id": 1, "name": "Pending"}, {"id": contact, "name": "Apple Inc."})
    assert api.put("/deals/1.json", {"deal": {"price": "99.50", "status_id": 2, "probability": 80}},
                   key=crm.admin).status_code == 204
    deal = body_json(api.get("/deals/1.json", key=crm.admin))["deal"]
    assert (deal["price"], deal["status"]["name"], deal["probability"]) == ("99.5", "Won", 80)
    assert api.delete("/deals/1.json", key=crm.admin).status_code == 204
    assert api.get("/deals/1.json", key=crm.admin).status_code == 404


def test_deals_with_custom_fields_and_categories(api, crm):
    crm.custom_field(name="Stage", customized_type="deal", field_format="list", possible_values=["a", "b"],
                     is_required=True)
    category = body_json(api.post("/projects/support/deal_categories.json",
                                  {"deal_category": {"name": "Hardware"}}, key=crm.admin))["deal_category"]
    r = new_deal(api, crm.admin, name="No stage")
    assert body_json(r)["errors"] == ["Stage cannot be blank"]
    r = new_deal(api, crm.admin, name="Staged", category_id=category["id"],
                 custom_fields=[{"id": 1, "value": "b"}])
    deal = body_json(r)["deal"]
    assert deal["category"] == {"id": category["id"], "name": "Hardware"}
    assert deal["custom_fields"] == [{"id": 1, "name": "Stage", "value": "b"}]
    categories = body_json(api.get("/projects/support/deal_categories.json", key=crm.admin))
    assert categories["deal_categories"] == [{"id": category["id"], "name": "Hardware"}]
    crm.project("other")
    r = new_deal(api, crm.admin, name="X", project_id="other", category_id=category["id"],
                 custom_fields=[{"id": 1, "value": "a"}])
    assert body_json(r)["errors"] == ["Category is invalid"]


@pytest.mark.parametrize("fields, errors", [
    ({}, ["Name cannot be blank"]),
    ({"name": "x", "price": "a lot"}, ["Price is not a number"]),
    ({"name": "x", "due_date": "2026-13-01"}, ["Due date is not a valid date"]),
    ({"name": "x", "status_id": 42}, ["Status is not included in the list"]),
    ({"name": "x", "probability": 150}, ["Probability must be between 0 and 100"]),
    ({"name": "x", "contact_id": 999}, ["Contact is invalid"]),
])
def test_validation(api, crm, fields, errors):
    r = new_deal(api, crm.admin, **fields)
    assert (r.status_code, body_json(r)["errors"]) == (422, errors)


def test_project_is_required_and_must_exist(api, crm):
    assert body_json(api.post("/deals.json", {"deal": {"name": "x"}}, key=crm.admin))["errors"] == \
        ["Project cannot be blank"]
    assert api.post("/deals.json", {"deal": {"name": "x", "project_id": "nope"}}, key=crm.admin).status_code == 404
    r = api.post("/projects/support/deals.json", {"deal": {"name": "Path project"}}, key=crm.admin)
    assert body_json(r)["deal"]["project"]["name"] == "Support"


def test_filters_and_exact_counts(api, crm):
    ann = crm.contact(first_name="Ann")
    bob = crm.contact(first_name="Bob")
    crm.project("sales")
    new_deal(api, crm.admin, name="Alpha server", contact_id=ann, assigned_to_id=1)
    new_deal(api, crm.admin, name="Beta laptops", contact_id=bob, related_contact_ids=[ann], status_id=3)
    new_deal(api, crm.admin, name="Gamma cables", project_id="sales")

    def names(query=""):
        doc = body_json(api.get(f"/deals.json{query}", key=crm.admin))
        return [d["name"] for d in doc["deals"]], doc["total_count"]

    assert names() == (["Gamma cables", "Beta laptops", "Alpha server"], 3)
    assert names("?project_id=support") == (["Beta laptops", "Alpha server"], 2)
    assert names("?status_id=3") == (["Beta laptops"], 1)
    assert names("?assigned_to_id=me") == (["Alpha server"], 1)
    assert names(f"?contact_id={ann}") == (["Beta laptops", "Alpha server"], 2)
    assert names("?search=LAPTOP") == (["Beta laptops"], 1)
    assert names("?limit=1&page=2") == (["Beta laptops"], 3)
    assert api.get("/deals.json?status_id=x", key=crm.admin).status_code == 422
    text = api.get("/deals.xml?limit=1", key=crm.admin).body.decode()
    assert '<deals total_count="3" offset="0" limit="1" type="array"><deal><id>3</id>' in text
    with meter.measure() as cost:
        api.get("/deals.json", key=crm.admin)
    assert cost.scans == 0


def test_include_deals_on_a_contact(api, crm):
    ann = crm.contact(first_name="Ann")
    bob = crm.contact(first_name="Bob")
    new_deal(api, crm.admin, name="Own", contact_id=ann, price=5)
    new_deal(api, crm.admin, name="Related", contact_id=bob, related_contact_ids=[ann])
    shown = body_json(api.get(f"/contacts/{ann}.json?include=deals", key=crm.admin))["contact"]
    assert [d["name"] for d in shown["deals"]] == ["Related", "Own"]
    assert list(shown["deals"][1]) == ["id", "price", "currency", "price_type", "name", "project", "status",
                                       "background", "created_on", "updated_on"]
    assert shown["deals"][1]["price"] == "5.0"
    text = api.get(f"/contacts/{ann}.xml?include=deals", key=crm.admin).body.decode()
    assert '<deals type="array"><deal><id>2</id><price/>' in text


def test_deals_of_hidden_contacts_are_hidden(api, crm):
    crm.member("reporter", "support", "Reporter")
    hidden = crm.contact(first_name="Secret", visibility=2)
    shown = crm.contact(first_name="Open")
    new_deal(api, crm.admin, name="Hidden deal", contact_id=hidden)
    new_deal(api, crm.admin, name="Seen deal", contact_id=shown)
    doc = body_json(api.get("/deals.json", key=crm.key("reporter")))
    assert ([d["name"] for d in doc["deals"]], doc["total_count"]) == (["Seen deal"], 1)
    assert api.get("/deals/1.json", key=crm.key("reporter")).status_code == 403


def test_permissions(api, crm):
    crm.member("reporter", "support", "Reporter")      # view_deals only
    crm.member("developer", "support", "Developer")     # view_deals only, too
    crm.people.user("outsider")
    new_deal(api, crm.admin, name="Deal")
    assert new_deal(api, crm.key("reporter"), name="x").status_code == 403
    assert api.put("/deals/1.json", {"deal": {"name": "y"}}, key=crm.key("developer")).status_code == 403
    assert api.delete("/deals/1.json", key=crm.key("reporter")).status_code == 403
    assert api.get("/deals.json", key=crm.key("outsider")).status_code == 403
    assert api.get("/deals.json").status_code == 401
    assert api.get("/deals/1.json", key=crm.key("reporter")).status_code == 200


def test_deal_statuses(api, crm):
    crm.people.user("jsmith")
    doc = body_json(api.get("/deal_statuses.json", key=crm.key("jsmith")))
    assert doc["deal_statuses"] == [{"id": 1, "name": "Pending", "is_closed": False, "is_default": True},
                                    {"id": 2, "name": "Won", "is_closed": True, "is_default": False},
                                    {"id": 3, "name": "Lost", "is_closed": True, "is_default": False}]
    r = api.post("/deal_statuses.json", {"deal_status": {"name": "Negotiation", "is_default": True}}, key=crm.admin)
    assert r.status_code == 201
    assert body_json(new_deal(api, crm.admin, name="New"))["deal"]["status"]["name"] == "Negotiation"
    assert api.post("/deal_statuses.json", {"deal_status": {"name": "X"}}, key=crm.key("jsmith")).status_code == 403
    assert body_json(api.delete("/deal_statuses/4.json", key=crm.admin))["errors"] == \
        ["This status is in use and cannot be deleted"]
    assert api.delete("/deal_statuses/3.json", key=crm.admin).status_code == 204
    assert len(body_json(api.get("/deal_statuses.json", key=crm.admin))["deal_statuses"]) == 3


def test_a_deal_outlives_its_deleted_contact(api, crm):
    contact = crm.contact(first_name="Gone")
    new_deal(api, crm.admin, name="Orphan", contact_id=contact)
    written(api.delete(f"/contacts/{contact}.json", key=crm.admin))
    deal = body_json(api.get("/deals/1.json", key=crm.admin))["deal"]
    assert deal["name"] == "Orphan" and "contact" not in deal
    assert body_json(api.get("/deals.json", key=crm.admin))["total_count"] == 1


def test_notes_on_deals(api, crm):
    crm.member("reporter", "support", "Reporter")
    hidden_contact = crm.contact(first_name="Secret", visibility=2)
    new_deal(api, crm.admin, name="Big one")
    new_deal(api, crm.admin, name="Hidden", contact_id=hidden_contact)
    r = api.post("/notes.xml", "note[content]=Deal note&source_id=1&source_type=Deal", key=crm.admin,
                 content_type=FORM)
    assert r.status_code == 201
    assert '<source id="1" name="Big one" type="Deal"/>' in r.body.decode()
    r = api.post("/deals/2/notes.json", {"note": {"content": "Hidden note"}}, key=crm.admin)
    hidden_note = body_json(r)["note"]["id"]
    assert api.get("/notes/1.json", key=crm.key("reporter")).status_code == 200
    assert api.get(f"/notes/{hidden_note}.json", key=crm.key("reporter")).status_code == 403
    assert api.post("/deals/1/notes.json", {"note": {"content": "x"}}, key=crm.key("reporter")).status_code == 403
    shown = body_json(api.get("/deals/1.json?include=notes", key=crm.admin))["deal"]
    assert [n["content"] for n in shown["notes"]] == ["Deal note"]
    assert api.delete("/deals/1.json", key=crm.admin).status_code == 204
    assert api.get("/notes/1.json", key=crm.admin).status_code == 404


def test_a_deal_list_reads_no_contact_but_those_of_its_page(api, crm):
    """Each deal entry carries its contact's visibility: 30 deals, a page of 5 reads 5 deals and
    at most 5 contact entries, for an admin and for a member who sees only some of them. The
    admin's page reads the entries it skips and shows, and takes the total from counters; the
    member's reads every entry of the project (what it sees depends on each deal's contact)."""
    from chalicelib.store.crm import CrmItem
    crm_table = CrmItem.Meta.table_name
    crm.member("viewer", "support", "Reporter")
    hidden = crm.contact(first_name="Hidden", visibility=2)
    shown = crm.contact(first_name="Shown")
    for n in range(30):
        written(new_deal(api, crm.admin, name=f"Deal {n}", contact_id=hidden if n % 3 == 0 else shown))
    for key, total, entries in ((crm.admin, 30, 10 + 2), (crm.key("viewer"), 20, 30)):
        with meter.measure() as cost:
            r = api.get("/deals.json?limit=5&offset=5", key=key)
        doc = body_json(r)
        assert doc["total_count"] == total and len(doc["deals"]) == 5
        assert cost.items("BatchGetItem", crm_table) <= 5 + 5 + 4      # deals, contacts, counter shards
        assert cost.items("Query", f"{crm_table}/streams") <= entries


def test_deal_entries_follow_their_contacts_visibility(api, crm):
    crm.member("viewer", "support", "Reporter")
    contact = crm.contact(first_name="Moving")
    deal = body_json(written(new_deal(api, crm.admin, name="Follows", contact_id=contact)))["deal"]["id"]

    def listed():
        doc = body_json(api.get("/deals.json", key=crm.key("viewer")))
        return doc["total_count"], [d["id"] for d in doc["deals"]]
    assert listed() == (1, [deal])
    written(api.put(f"/contacts/{contact}.json", {"contact": {"visibility": 2}}, key=crm.admin))
    assert listed() == (0, [])
    written(api.put(f"/contacts/{contact}.json", {"contact": {"visibility": 1}}, key=crm.admin))
    assert listed() == (1, [deal])
    written(api.put(f"/contacts/{contact}.json", {"contact": {"visibility": 2}}, key=crm.admin))
    written(api.delete(f"/contacts/{contact}.json", key=crm.admin))
    assert listed() == (1, [deal])          # a contact that is gone hides nothing
    from chalicelib.store import consistency
    assert consistency.check().problems == []


def test_a_lagging_deal_entry_never_shows_a_deal_too_many_and_is_brought_up_to_date(api, crm, monkeypatch):
    from chalicelib.store import consistency
    from chalicelib.store import deals as deal_store
    crm.member("viewer", "support", "Reporter")
    contact = crm.contact(first_name="Lagging")
    written(new_deal(api, crm.admin, name="Lags", contact_id=contact))
    monkeypatch.setattr(deal_store, "follow_contact", lambda *args: 0)     # the follow-up is lost
    written(api.put(f"/contacts/{contact}.json", {"contact": {"visibility": 2}}, key=crm.admin))
    monkeypatch.undo()
    assert consistency.check().problems != []
    doc = body_json(api.get("/deals.json", key=crm.key("viewer")))
    assert doc["deals"] == []                 # its entry says visible, its contact says no
    assert len(body_json(api.get("/deals.json", key=crm.admin))["deals"]) == 1   # a page seen brings it up to date
    assert consistency.check().problems == []
    assert body_json(api.get("/deals.json", key=crm.key("viewer")))["total_count"] == 0


def _viewer_total(api, crm):
    return body_json(api.get("/deals.json", key=crm.key("viewer")))["total_count"]


@pytest.mark.parametrize("first", ["deal update", "contact follow-up"])
def test_a_deal_update_and_its_contacts_follow_up_never_miscount(api, crm, monkeypatch, first):
    """The two write the deal's entries and move its counters; whichever commits second was
    read before the other's commit and must conflict and start again. Forced here: the one
    that goes first commits while the other is between its read and its write."""
    from chalicelib.store import consistency
    from chalicelib.store import deals as deal_store
    crm.member("viewer", "support", "Reporter")
    contact = crm.contact(first_name="Raced")
    deal = body_json(written(new_deal(api, crm.admin, name="Raced", contact_id=contact)))["deal"]["id"]
    assert _viewer_total(api, crm) == 1
    save, injected = deal_store.save, []

    def interleaved(record, previous=None):
        if not injected:
            injected.append(True)
            if first == "contact follow-up":     # the deal update is between read and write
                written(api.put(f"/contacts/{contact}.json", {"contact": {"visibility": 2}}, key=crm.admin))
            else:                                # the follow-up is between read and write
                written(api.put(f"/deals/{deal}.json", {"deal": {"name": "Renamed"}}, key=crm.admin))
        return save(record, previous)
    monkeypatch.setattr(deal_store, "save", interleaved)
    if first == "contact follow-up":
        written(api.put(f"/deals/{deal}.json", {"deal": {"name": "Renamed"}}, key=crm.admin))
    else:
        written(api.put(f"/contacts/{contact}.json", {"contact": {"visibility": 2}}, key=crm.admin))
    monkeypatch.undo()
    assert injected
    assert consistency.check().problems == []
    assert _viewer_total(api, crm) == 0
    shown = body_json(api.get(f"/deals/{deal}.json", key=crm.admin))["deal"]
    assert shown["name"] == "Renamed"


def test_deals_of_a_private_contact_are_counted_for_its_author(api, crm):
    """A private contact's deals count for whoever sees it as its own (its author here), once,
    and for nobody else without view_private_contacts."""
    from chalicelib.store import consistency
    crm.member("viewer", "support", "Reporter")
    crm.member("writer", "support", "Developer")    # adds contacts, views deals, not private contacts
    own = crm.contact(key=crm.key("writer"), first_name="Mine", visibility=2)
    for n in range(3):
        written(new_deal(api, crm.admin, name=f"Private {n}", contact_id=own))
    written(new_deal(api, crm.admin, name="Open"))
    for login, total in (("viewer", 1), ("writer", 4), ("admin", 4)):
        doc = body_json(api.get("/deals.json?limit=2", key=crm.key(login)))
        assert doc["total_count"] == total, login
        assert len(doc["deals"]) == min(2, total)
    assert consistency.check().problems == []
