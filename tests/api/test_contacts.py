"""The Contacts API: the documented examples, document shapes in both formats, writes."""
import json

import pytest

from tests.conftest import body_json, written

DECL = '<?xml version="1.0" encoding="UTF-8"?>'


@pytest.fixture
def apple(crm):
    crm.custom_field(name="License", field_format="list", possible_values=["Free", "Pro"])
    crm.custom_field(name="Tags", field_format="list", possible_values=["a", "b", "c"], multiple=True)
    return crm.contact(first_name="Apple Inc.", is_company=True, website="apple.com",
                       job_title="Personal computers", background="Established on April 1, 1976",
                       phone="+1 003 322 43 23", email="Info@Apple.com",
                       tag_list="vip, referral, cold call", visibility=1,
                       address_attributes={"street1": "Calle Valencia, 87-89", "city": "Barcelona",
                                           "postcode": "08029", "country_code": "es"},
                       custom_fields=[{"id": 1, "value": "Pro"}, {"id": 2, "value": ["a", "c"]}])


def test_full_contact_in_json_has_the_documented_order_and_shapes(api, crm, apple):
    contact = body_json(api.get(f"/contacts/{apple}.json", key=crm.admin))["contact"]
    assert list(contact) == ["id", "is_company", "first_name", "last_name", "middle_name", "company",
                             "website", "skype_name", "birthday", "job_title", "background", "author",
                             "address", "phones", "emails", "tag_list", "visibility", "custom_fields",
                             "created_on", "updated_on", "projects"]
    assert contact["author"] == {"id": 1, "name": "Admin Tester"}
    assert contact["address"] == {"full_address": "Calle Valencia, 87-89, Barcelona, 08029, Spain",
                                  "street": "Calle Valencia, 87-89", "city": "Barcelona", "region": None,
                                  "country": "Spain", "country_code": "ES", "postcode": "08029"}
    assert contact["phones"] == [{"number": "+1 003 322 43 23"}]
    assert contact["emails"] == [{"address": "info@apple.com"}]
    assert contact["tag_list"] == ["vip", "referral", "cold call"]
    assert contact["visibility"] == 1
    assert contact["custom_fields"] == [{"id": 1, "name": "License", "value": "Pro"},
                                        {"id": 2, "name": "Tags", "multiple": True, "value": ["a", "c"]}]
    assert contact["projects"] == [{"id": 1, "name": "Support"}]
    assert contact["created_on"].endswith("Z") and len(contact["created_on"]) == 20


def test_full_contact_in_xml(api, crm, apple):
    text = api.get(f"/contacts/{apple}.xml", key=crm.admin).body.decode()
    assert text.startswith(DECL + f"<contact><id>{apple}</id><is_company>true</is_company>"
                           "<first_name>Apple Inc.</first_name><last_name/><middle_name/><company/>"
                           "<website>apple.com</website><skype_name/><birthday/>"
                           "<job_title>Personal computers</job_title>"
                           "<background>Established on April 1, 1976</background>"
                           '<author id="1" name="Admin Tester"/><address>'
                           "<full_address>Calle Valencia, 87-89, Barcelona, 08029, Spain</full_address>"
                           "<street>Calle Valencia, 87-89</street><city>Barcelona</city><region/>"
                           "<country>Spain</country><country_code>ES</country_code><postcode>08029</postcode>"
                           '</address><phones type="array"><phone><number>+1 003 322 43 23</number></phone>'
                           '</phones><emails type="array"><email><address>info@apple.com</address></email>'
                           "</emails><tag_list>vip, referral, cold call</tag_list><visibility>1</visibility>"
                           '<custom_fields type="array"><custom_field id="1" name="License"><value>Pro</value>'
                           '</custom_field><custom_field id="2" name="Tags" multiple="true"><value type="array">'
                           "<value>a</value><value>c</value></value></custom_field></custom_fields><created_on>")
    assert text.endswith('</updated_on><projects type="array"><project id="1" name="Support"/></projects></contact>')


def test_bare_contact_has_a_null_address_and_no_phones_or_emails(api, crm):
    bare = crm.contact(first_name="Bare")
    contact = body_json(api.get(f"/contacts/{bare}.json", key=crm.admin))["contact"]
    assert contact["address"] == {"full_address": None, "street": None, "city": None, "region": None,
                                  "country": None, "postcode": None}
    assert "phones" not in contact and "emails" not in contact and "custom_fields" not in contact
    assert "assigned_to" not in contact and "avatar" not in contact
    assert contact["tag_list"] == [] and contact["visibility"] == 0
    text = api.get(f"/contacts/{bare}.xml", key=crm.admin).body.decode()
    assert ("<address><full_address/><street/><city/><region/><country/><postcode/></address>"
            "<tag_list></tag_list><visibility>0</visibility>") in text
    assert "<phones" not in text and "<emails" not in text


def test_list_in_xml_has_meta_attributes_and_the_list_shape(api, crm, apple):
    text = api.get("/contacts.xml", key=crm.admin).body.decode()
    assert text.startswith(DECL + '<contacts total_count="1" offset="0" limit="25" type="array"><contact>'
                           f"<id>{apple}</id>")
    assert "<projects" not in text
    text = api.get("/contacts.xml?include=projects", key=crm.admin).body.decode()
    assert ('<visibility>1</visibility><projects type="array"><project id="1" name="Support"/></projects>'
            '<custom_fields type="array">') in text


# ------------------------------------------------------------------ the documented examples

@pytest.fixture
def examples(crm):
    crm.project("testproject")
    crm.people.user("tom")
    tom = crm.user_id("tom")
    crm.member("tom", "support", "Manager")
    crm.member("tom", "testproject", "Manager")
    made = {
        "apple": crm.contact(first_name="Apple Inc.", is_company=True, tag_list="vip"),
        "tom": crm.contact(first_name="Tom", last_name="Cook", company="Apple Inc.", tag_list="vip",
                           assigned_to_id=tom),
        "tomas": crm.contact(first_name="Tomas", last_name="Anders", project="testproject"),
        "ann": crm.contact(first_name="Ann", last_name="Smith", tag_list="VIP,cold call",
                           assigned_to_id=1, project="testproject"),
    }
    for n in range(30):
        made[f"p{n}"] = crm.contact(first_name=f"Person{n:02d}", last_name="Zed", project="testproject")
    return made


def test_get_contacts_xml(api, crm, examples):
    r = api.get("/contacts.xml", key=crm.admin)
    assert r.status_code == 200
    assert '<contacts total_count="34" offset="0" limit="25" type="array">' in r.body.decode()


def test_filter_by_project_id(api, crm, examples):
    ids, total = crm.ids("/contacts.json?project_id=2&limit=100")
    assert total == 32 and examples["tomas"] in ids and examples["apple"] not in ids
    assert crm.ids("/projects/support/contacts.json") == ([examples["apple"], examples["tom"]], 2)


def test_filter_by_tags_and_assignee(api, crm, examples):
    assert crm.ids("/contacts.json?tags=vip&assigned_to_id=1") == ([examples["ann"]], 1)
    assert crm.ids("/contacts.json?tags=VIP") == ([examples["apple"], examples["tom"], examples["ann"]], 3)
    assert crm.ids("/contacts.json?tags=vip,cold call") == ([examples["ann"]], 1)
    assert crm.ids("/contacts.json?tags=vip|cold%20call") == ([examples["ann"]], 1)
    assert crm.ids("/contacts.json?tags=vi") == ([], 0)   # exact names, not substrings
    tom = crm.user_id("tom")
    assert crm.ids(f"/contacts.json?assigned_to_id={tom}") == ([examples["tom"]], 1)
    assert crm.ids("/contacts.json?assigned_to_id=me", login="tom") == ([examples["tom"]], 1)
    assert crm.ids("/contacts.json?assigned_to_id=*")[1] == 2
    assert crm.ids("/contacts.json?assigned_to_id=!*")[1] == 32


def test_search(api, crm, examples):
    assert crm.ids("/contacts.json?search=tom") == \
        ([examples["tomas"], examples["tom"]], 2)
    assert crm.ids("/contacts.json?search=TOM%20cook") == ([examples["tom"]], 1)
    assert crm.ids("/contacts.json?search=apple") == ([examples["apple"], examples["tom"]], 2)
    assert crm.ids("/contacts.json?search=person1&limit=2") == \
        ([examples["p10"], examples["p11"]], 10)   # the count covers every match, not the page


def test_paging_by_project_identifier(api, crm, examples):
    first, total = crm.ids("/contacts.json?project_id=testproject&page=1")
    second, _ = crm.ids("/contacts.json?project_id=testproject&page=2")
    assert total == 32 and len(first) == 25 and len(second) == 7
    assert not set(first) & set(second)
    assert first[:2] == [examples["tomas"], examples["ann"]]    # Anders, Smith, then the Zeds
    text = api.get("/contacts.xml?project_id=testproject&page=2", key=crm.admin).body.decode()
    assert '<contacts total_count="32" offset="25" limit="25" type="array">' in text


def test_show_examples_with_includes(api, crm, examples):
    apple = examples["apple"]
    r = api.get(f"/contacts/{apple}.xml", key=crm.admin)
    assert r.status_code == 200 and f"<id>{apple}</id>" in r.body.decode()
    contact = body_json(api.get(f"/contacts/{apple}.json?include=notes", key=crm.admin))["contact"]
    assert "notes" not in contact   # appears only when non-empty
    contact = body_json(api.get(f"/contacts/{apple}.json?include=notes,tickets,deals,contacts",
                                key=crm.admin))["contact"]
    assert list(contact)[-2:] == ["projects", "contacts"]
    assert contact["contacts"] == [{"id": examples["tom"], "name": "Tom Cook"}]
    text = api.get(f"/contacts/{apple}.xml?include[]=contacts", key=crm.admin).body.decode()
    assert f'<contacts type="array"><contact id="{examples["tom"]}" name="Tom Cook"/></contacts></contact>' in text


from chalicelib.api.contacts import SEED_XML  # noqa: E402  (the documented body, as the reference shows it)


def test_create_from_the_documented_xml_body(api, crm):
    r = api.post("/contacts.xml", SEED_XML, key=crm.admin, content_type="application/xml")
    assert r.status_code == 201
    assert r.headers["Location"] == "http://localhost/contacts/1"
    text = r.body.decode()
    assert "<tag_list>vip, cold call</tag_list>" in text
    assert "<full_address>12, Street, Moscow, 123456, Russia</full_address>" in text or \
           "<full_address>12, Street, Moscow, 123456, Russian Federation</full_address>" in text
    assert "<street>12, Street</street>" in text and "<country_code>RU</country_code>" in text


def test_create_from_the_documented_json_body(api, crm):
    body = {"project_id": "support", "contact": {
        "first_name": "Ivan", "last_name": "Ivanov", "email": "ivan@example.com",
        "phone": "+7 495 123 45 67, +7 916 000 00 00",
        "address_attributes": {"street1": "Lenina, 1", "city": "Moscow", "country_code": "RU"}}}
    r = api.post("/contacts.json", body, key=crm.admin)
    assert r.status_code == 201
    contact = body_json(r)["contact"]
    assert contact["phones"] == [{"number": "+7 495 123 45 67"}, {"number": "+7 916 000 00 00"}]
    assert contact["address"]["country_code"] == "RU"
    assert contact["projects"] == [{"id": 1, "name": "Support"}]


def test_curl_create_with_project_identifier_and_update_without_extension(api, crm):
    r = api.post("/contacts.xml", "<contact><first_name>Acme</first_name><is_company>true</is_company>"
                 "<project_id>support</project_id></contact>", key=crm.admin,
                 content_type="application/xml")
    assert r.status_code == 201
    assert "<is_company>true</is_company>" in r.body.decode()
    r = api.put("/contacts/1", {"contact": {"first_name": "Acme Corp", "job_title": "Anvils"}},
                key=crm.admin)
    assert (r.status_code, r.body) == (204, b"")
    contact = body_json(api.get("/contacts/1.json", key=crm.admin))["contact"]
    assert (contact["first_name"], contact["job_title"], contact["is_company"]) == ("Acme Corp", "Anvils", True)


def test_add_to_and_remove_from_a_project(api, crm):
    crm.project("sales")
    contact = crm.contact(first_name="Linked")
    r = api.post(f"/contacts/{contact}/projects.json", {"project": {"id": "sales"}}, key=crm.admin)
    assert (r.status_code, r.body) == (204, b"")
    r = api.post(f"/contacts/{contact}/projects.xml", "project[id]=2", key=crm.admin,
                 content_type="application/x-www-form-urlencoded")
    assert r.status_code == 204   # already linked is fine
    assert crm.ids("/contacts.json?project_id=sales") == ([contact], 1)
    assert api.delete(f"/contacts/{contact}/projects/support.json", key=crm.admin).status_code == 204
    shown = body_json(api.get(f"/contacts/{contact}.json", key=crm.admin))["contact"]
    assert shown["projects"] == [{"id": 2, "name": "Sales"}]
    r = api.delete(f"/contacts/{contact}/projects/2.json", key=crm.admin)
    assert (r.status_code, body_json(r)) == (422, {"errors": ["A contact must belong to at least one project"]})
    assert api.post(f"/contacts/{contact}/projects.json", {"project": {"id": "nope"}},
                    key=crm.admin).status_code == 404


# ------------------------------------------------------------------ writes

def test_update_changes_only_what_is_sent(api, crm, apple):
    r = api.put(f"/contacts/{apple}.json", {"contact": {"address_attributes": {"city": "Madrid"},
                                                        "tag_list": ["VIP", "new"]}}, key=crm.admin)
    assert r.status_code == 204
    contact = body_json(api.get(f"/contacts/{apple}.json", key=crm.admin))["contact"]
    assert contact["address"]["city"] == "Madrid"
    assert contact["address"]["postcode"] == "08029"          # not sent, kept
    assert contact["tag_list"] == ["vip", "new"]               # first spelling of vip kept
    assert contact["website"] == "apple.com"
    assert contact["custom_fields"][0]["value"] == "Pro"
    r = api.request("PATCH", f"/contacts/{apple}.json",
                    {"contact": {"address_attributes": {"street1": "", "city": "", "postcode": "",
                                                        "country_code": ""}}}, key=crm.admin)
    assert r.status_code == 204
    contact = body_json(api.get(f"/contacts/{apple}.json", key=crm.admin))["contact"]
    assert contact["address"]["full_address"] is None and "country_code" not in contact["address"]


def test_delete_removes_contact_entries_and_counts(api, crm, apple):
    other = crm.contact(first_name="Other", tag_list="vip")
    assert api.delete(f"/contacts/{apple}.json", key=crm.admin).status_code == 204
    assert api.get(f"/contacts/{apple}.json", key=crm.admin).status_code == 404
    assert crm.ids("/contacts.json?tags=vip") == ([other], 1)
    assert crm.ids("/contacts.json") == ([other], 1)
    from chalicelib.store.crm import ContactIndexEntry, ContactRecord
    assert list(ContactIndexEntry.query(ContactRecord.key(apple)[0])) == []
    assert api.delete(f"/contacts/{other}.json", key=crm.admin).status_code == 204
    assert api.delete("/projects/support.json", key=crm.admin).status_code == 204


def test_a_project_with_contacts_cannot_be_deleted(api, crm, apple):
    r = api.delete("/projects/support.json", key=crm.admin)
    assert (r.status_code, body_json(r)) == (422, {"errors": ["Project has contacts"]})


def test_company_rename_is_followed_by_its_people(api, crm):
    company = crm.contact(first_name="Initech", is_company=True)
    people = [crm.contact(first_name=f"Worker{n}", company="initech") for n in range(3)]
    outsider = crm.contact(first_name="Other", company="Initrode")
    written(api.put(f"/contacts/{company}.json", {"contact": {"first_name": "Initech Global"}}, key=crm.admin))
    for person in people:
        shown = body_json(api.get(f"/contacts/{person}.json", key=crm.admin))["contact"]
        assert shown["company"] == "Initech Global"
    assert body_json(api.get(f"/contacts/{outsider}.json", key=crm.admin))["contact"]["company"] == "Initrode"
    found = body_json(api.get(f"/contacts/{company}.json?include=contacts", key=crm.admin))["contact"]
    assert [c["id"] for c in found["contacts"]] == people
    assert crm.ids("/contacts.json?search=global")[1] == 4


def test_project_ids_replace_the_set(api, crm):
    crm.project("sales")
    crm.project("hr")
    contact = crm.contact(first_name="Moved")
    assert api.put(f"/contacts/{contact}.json", {"contact": {"project_ids": ["sales", 3]}},
                   key=crm.admin).status_code == 204
    shown = body_json(api.get(f"/contacts/{contact}.json", key=crm.admin))["contact"]
    assert [p["id"] for p in shown["projects"]] == [2, 3]
    assert crm.ids("/contacts.json?project_id=support") == ([], 0)
    r = api.put(f"/contacts/{contact}.json", {"contact": {"project_ids": []}}, key=crm.admin)
    assert body_json(r)["errors"] == ["A contact must belong to at least one project"]


def test_sorting(api, crm):
    a = crm.contact(first_name="Bob", last_name="Adams", job_title="zeta")
    b = crm.contact(first_name="alice", last_name="adams", job_title="alpha")
    c = crm.contact(first_name="Company", is_company=True)
    assert crm.ids("/contacts.json")[0] == [c, b, a]    # empty last names first, case-insensitive
    assert crm.ids("/contacts.json?sort=id:desc")[0] == [c, b, a]
    assert crm.ids("/contacts.json?sort=job_title:desc,id")[0] == [a, b, c]
    assert crm.ids("/contacts.json?sort=name")[0] == [b, a, c]
    assert crm.ids("/contacts.json?sort=bogus")[0] == [c, b, a]


def test_ids_author_is_company_and_date_filters(api, crm):
    crm.people.user("writer")
    crm.member("writer", "support", "Manager")
    mine = crm.contact(key=crm.key("writer"), first_name="Mine")
    company = crm.contact(first_name="Corp", is_company=True)
    assert crm.ids(f"/contacts.json?ids={mine},{company}") == ([company, mine], 2)
    assert crm.ids(f"/contacts.json?ids={mine}|999") == ([mine], 1)
    assert crm.ids("/contacts.json?author_id=me", login="writer") == ([mine], 1)
    assert crm.ids("/contacts.json?is_company=1") == ([company], 1)
    assert crm.ids("/contacts.json?is_company=false") == ([mine], 1)
    created = body_json(api.get(f"/contacts/{mine}.json", key=crm.admin))["contact"]["created_on"]
    assert crm.ids(f"/contacts.json?created_on=>={created}")[1] == 2
    assert crm.ids("/contacts.json?updated_on=<=2000-01-01")[1] == 0
    assert crm.ids(f"/contacts.json?updated_on=><2000-01-01|{created[:10]}")[1] == 2
    assert crm.ids(f"/contacts.json?created_on={created[:10]}")[1] == 2


@pytest.mark.parametrize("query, message", [
    ("assigned_to_id=abc", "Parameter assigned_to_id is invalid"),
    ("ids=1,x", "Parameter ids is invalid"),
    ("author_id=-1", "Parameter author_id is invalid"),
    ("is_company=maybe", "Parameter is_company is invalid"),
    ("created_on=>=yesterday", "Parameter created_on is invalid"),
    ("updated_on=><2026-01-01", "Parameter updated_on is invalid"),
    ("query_id=3", "Saved queries are not supported"),
])
def test_bad_filter_values_are_422(api, crm, query, message):
    r = api.get(f"/contacts.json?{query}", key=crm.admin)
    assert (r.status_code, body_json(r)) == (422, {"errors": [message]})


def test_unknown_project_filter_is_404(api, crm):
    assert api.get("/contacts.json?project_id=nope", key=crm.admin).status_code == 404
    assert api.get("/projects/nope/contacts.json", key=crm.admin).status_code == 404
    assert api.get("/contacts/999.json", key=crm.admin).status_code == 404
    assert api.get("/contacts/abc.json", key=crm.admin).status_code == 404


def test_subprojects_are_included(api, crm):
    crm.project("child", parent="support")
    parent_contact = crm.contact(first_name="Parent")
    child_contact = crm.contact(first_name="Child", project="child")
    assert crm.ids("/contacts.json?project_id=support") == ([child_contact, parent_contact], 2)
    assert crm.ids("/contacts.json?project_id=child") == ([child_contact], 1)


def test_json_and_xml_list_carry_the_same_contacts(api, crm, apple):
    as_json = body_json(api.get("/contacts.json?include=projects", key=crm.admin))
    text = api.get("/contacts.xml?include=projects", key=crm.admin).body.decode()
    for contact in as_json["contacts"]:
        assert f"<id>{contact['id']}</id>" in text
        assert f"<first_name>{contact['first_name']}</first_name>" in text
    assert json.dumps(as_json["contacts"][0]["tag_list"]) == '["vip", "referral", "cold call"]'


def test_deleted_contacts_are_listed_for_sync_to_who_could_see_their_projects(api, crm):
    """A sync client mirrors deletions: after deleting, GET /contacts/deleted.json?since= names
    the contact with its projects, to callers who view contacts in one of them, and the
    tombstone goes with the delete itself (one transaction) and expires after the retention."""
    from chalicelib import config
    from chalicelib.store import contacts as store
    from chalicelib.store.crm import Tombstone
    import calendar
    import time
    other = crm.project("hidden", public=False)
    crm.member("watcher", "support", "Reporter")
    kept = crm.contact(first_name="Kept")
    gone = crm.contact(first_name="Gone")
    elsewhere = crm.contact(first_name="Elsewhere", project=other)
    stamp = body_json(api.get(f"/contacts/{gone}.json", key=crm.admin))["contact"]["created_on"]
    for contact_id in (gone, elsewhere):
        assert api.delete(f"/contacts/{contact_id}.json", key=crm.admin).status_code == 204
    doc = body_json(api.get(f"/contacts/deleted.json?since={stamp}", key=crm.admin))
    assert [t["id"] for t in doc["deleted_contacts"]] == [gone, elsewhere] and doc["total_count"] == 2
    first = doc["deleted_contacts"][0]
    assert first["project_ids"] == [1] and first["deleted_on"] >= stamp
    seen = body_json(api.get(f"/contacts/deleted.json?since={stamp}", key=crm.key("watcher")))
    assert [t["id"] for t in seen["deleted_contacts"]] == [gone]
    xml = api.get(f"/contacts/deleted.xml?since={stamp}", key=crm.key("watcher")).body.decode()
    assert f"<deleted_contact><id>{gone}</id>" in xml and '<project_ids type="array"><project_id>1</project_id>' in xml
    later = body_json(api.get("/contacts/deleted.json?since=2999-01-01", key=crm.admin))
    assert later["deleted_contacts"] == [] and later["total_count"] == 0
    assert api.get("/contacts/deleted.json?since=yesterday", key=crm.admin).status_code == 422
    assert api.get("/contacts/deleted.json").status_code == 401
    assert api.get(f"/contacts/{kept}.json", key=crm.admin).status_code == 200
    tombstone = Tombstone.get(*Tombstone.key(gone), consistent_read=True)
    deleted = calendar.timegm(time.strptime(tombstone.deleted_on, "%Y-%m-%dT%H:%M:%SZ"))
    assert int(tombstone.expires) == deleted + config.TOMBSTONE_DAYS * 86400
    assert [t.contact_id for t in store.tombstones()] == [gone, elsewhere]
    both = crm.contact(first_name="Both", project_ids=[1, other])
    assert api.delete(f"/contacts/{both}.json", key=crm.admin).status_code == 204
    named = {t["id"]: t["project_ids"] for t in body_json(api.get(
        f"/contacts/deleted.json?since={stamp}", key=crm.key("watcher")))["deleted_contacts"]}
    assert named[both] == [1]           # the hidden project is not named to who cannot see it
    assert {t["id"]: t["project_ids"] for t in body_json(api.get(
        f"/contacts/deleted.json?since={stamp}", key=crm.admin))["deleted_contacts"]}[both] == [1, other]
