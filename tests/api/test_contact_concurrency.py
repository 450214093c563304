"""Two writers on one contact: counters never disagree with the contact, its entries agree with it
once the stream's consumer has run (here right after each write), and no update is lost."""
import pytest

from chalicelib.services import contacts as rules
from chalicelib.services.policy import Caller
from chalicelib.store import contacts as store
from chalicelib.store import versions
from chalicelib.store.crm import ContactIndexEntry, ContactRecord, StreamCounter
from tests.conftest import body_json, written

SUMMARY = ("stream", "order", "contact_id", "name", "visibility", "author_id", "assigned_to_id",
           "project_ids", "tags", "is_company", "first_name", "last_name", "company", "job_title",
           "search", "created_on", "updated_on")


def assert_entries_agree(contact_id):
    contact = store.get(contact_id)
    expected = {e.sk: {k: getattr(e, k) for k in SUMMARY} for e in store.entries_of(contact)}
    stored = {e.sk: {k: getattr(e, k) for k in SUMMARY}
              for e in ContactIndexEntry.query(ContactRecord.key(contact_id)[0])}
    assert stored == expected


def admin_caller():
    from chalicelib.services.users import by_login
    return Caller(by_login("admin"))


def test_a_writer_that_lost_the_race_applies_its_change_again(api, crm, monkeypatch):
    contact_id = crm.contact(first_name="Original", tag_list="old")
    real_save = store.save
    raced = []

    def save_after_a_rival(contact, previous=None, extra=()):
        if not raced:
            raced.append(True)
            # the rival commits between our read and our write
            rules.update(admin_caller(), contact_id, {"tag_list": "rival, tags"})
        return real_save(contact, previous, extra)

    monkeypatch.setattr(store, "save", save_after_a_rival)
    r = api.put(f"/contacts/{contact_id}.json", {"contact": {"first_name": "Renamed"}}, key=crm.admin)
    assert r.status_code == 204
    contact = body_json(api.get(f"/contacts/{contact_id}.json", key=crm.admin))["contact"]
    assert (contact["first_name"], contact["tag_list"]) == ("Renamed", ["rival", "tags"])
    assert_entries_agree(contact_id)
    assert crm.ids("/contacts.json?tags=old") == ([], 0)
    assert crm.ids("/contacts.json?tags=rival&search=renamed") == ([contact_id], 1)


def test_a_writer_that_keeps_losing_gets_409_and_nothing_changes(api, crm, monkeypatch):
    contact_id = crm.contact(first_name="Original")

    def always_beaten(contact, previous=None, extra=()):
        raise versions.VersionConflict()

    monkeypatch.setattr(store, "save", always_beaten)
    r = api.put(f"/contacts/{contact_id}.xml", "<contact><first_name>Mine</first_name></contact>",
                key=crm.admin, content_type="application/xml")
    assert r.status_code == 409
    assert "<errors type=\"array\"><error>" in r.body.decode()
    monkeypatch.undo()
    assert body_json(api.get(f"/contacts/{contact_id}.json", key=crm.admin))["contact"]["first_name"] == "Original"
    assert_entries_agree(contact_id)


def test_a_stale_write_is_refused_by_the_store(crm):
    contact_id = crm.contact(first_name="Original")
    first = store.get(contact_id)
    second = store.get(contact_id)
    for copy, name in ((first, "First"), (second, "Second")):
        copy_previous = ContactRecord.from_raw_data(copy.serialize())
        copy.first_name = name
        copy.version = int(copy_previous.version) + 1
        if name == "First":
            store.save(copy, copy_previous)
        else:
            with pytest.raises(versions.VersionConflict):
                store.save(copy, copy_previous)
    assert store.get(contact_id).first_name == "First"
    assert_entries_agree(contact_id)


def test_entries_and_counters_follow_every_change(api, crm):
    crm.project("sales")
    contact_id = crm.contact(first_name="Moving", tag_list="a, b", visibility=1, company="Corp")
    assert_entries_agree(contact_id)
    written(api.put(f"/contacts/{contact_id}.json", {"contact": {"tag_list": "b, c", "visibility": 0,
                                                          "project_ids": ["sales"], "company": "",
                                                          "assigned_to_id": 1}}, key=crm.admin))
    assert_entries_agree(contact_id)

    def count(stream):
        return sum(int(s.count) for s in StreamCounter.query(StreamCounter.partition(stream)))
    assert store.bucket_counts() == {"bucket#project#2": 1}
    assert store.bucket_tag_counts() == {("bucket#project#2", "b"): 1, ("bucket#project#2", "c"): 1}
    assert count("assignee#1") == 1
    written(api.delete(f"/contacts/{contact_id}.json", key=crm.admin))
    assert (store.bucket_counts(), store.bucket_tag_counts(), count("assignee#1")) == ({}, {}, 0)


def test_a_write_too_large_for_one_transaction_is_refused_whole(api, crm, monkeypatch):
    # Contacts at the limits (20 projects, 30 tags) fit in one transaction; a smaller limit shows
    # what a write that does not fit gets.
    # (The contact and its counter changes: one per tag in its bucket, and the bucket's own.)
    monkeypatch.setattr(store, "TRANSACTION_LIMIT", 20)
    for n in range(19):
        crm.project(f"extra{n}")
    projects = ["support"] + [f"extra{n}" for n in range(19)]
    r = api.post("/contacts.json", {"contact": {"first_name": "Huge", "project_ids": projects,
                                                "tag_list": [f"t{n}" for n in range(30)]}}, key=crm.admin)
    assert r.status_code == 422
    assert body_json(r)["errors"] == ["Too many project and tag changes at once; send them in smaller steps"]
    assert crm.ids("/contacts.json")[1] == 0
    r = api.post("/contacts.json", {"contact": {"first_name": "Huge", "project_ids": projects,
                                                "tag_list": [f"t{n}" for n in range(15)]}}, key=crm.admin)
    assert r.status_code == 201
    contact_id = body_json(r)["contact"]["id"]
    r = api.put(f"/contacts/{contact_id}.json", {"contact": {"tag_list": [f"t{n}" for n in range(30)]}},
                key=crm.admin)
    assert r.status_code == 204
    assert_entries_agree(contact_id)


def test_a_stale_write_that_drops_entries_is_a_conflict_retried_not_a_500(api, crm, monkeypatch):
    """The stale writer's transaction takes back its old tag's and assignee's counts: the
    conflict is told by the contact's conditioned put, and the retry drops what the rival kept."""
    contact_id = crm.contact(first_name="Original", tag_list="old", assigned_to_id=1)
    real_save = store.save
    raced = []

    def save_after_a_rival(contact, previous=None, extra=()):
        if not raced:
            raced.append(True)
            rules.update(admin_caller(), contact_id, {"first_name": "Rival"})
        return real_save(contact, previous, extra)

    monkeypatch.setattr(store, "save", save_after_a_rival)
    r = api.put(f"/contacts/{contact_id}.json", {"contact": {"tag_list": "new", "assigned_to_id": None}},
                key=crm.admin)
    assert (r.status_code, r.body) == (204, b"")
    monkeypatch.undo()
    contact = body_json(api.get(f"/contacts/{contact_id}.json", key=crm.admin))["contact"]
    assert (contact["first_name"], contact["tag_list"], "assigned_to" in contact) == ("Rival", ["new"], False)
    assert_entries_agree(contact_id)


def test_a_stale_contact_write_with_deletes_raises_version_conflict(api, crm):
    contact_id = crm.contact(first_name="Original", tag_list="old")
    stale = store.get(contact_id)
    rules.update(admin_caller(), contact_id, {"first_name": "Rival"})
    previous = ContactRecord.from_raw_data(stale.serialize())
    stale.tags, stale.version = ["new"], int(stale.version) + 1
    with pytest.raises(versions.VersionConflict):
        store.save(stale, previous)
    assert_entries_agree(contact_id)


def test_a_stale_deal_write_with_deletes_is_retried(api, crm, monkeypatch):
    from chalicelib.store import deals as deal_store
    person = crm.contact(first_name="Person")
    deal = body_json(api.post("/deals.json", {"deal": {"name": "D", "project_id": "support", "contact_id": person}},
                              key=crm.admin))["deal"]["id"]
    real_save = deal_store.save
    raced = []

    def save_after_a_rival(record, previous=None):
        if not raced:
            raced.append(True)
            written(api.put(f"/deals/{deal}.json", {"deal": {"name": "Rival"}}, key=crm.admin))
        return real_save(record, previous)

    monkeypatch.setattr(deal_store, "save", save_after_a_rival)
    r = api.put(f"/deals/{deal}.json", {"deal": {"contact_id": None}}, key=crm.admin)
    assert (r.status_code, r.body) == (204, b"")
    monkeypatch.undo()
    shown = body_json(api.get(f"/deals/{deal}.json", key=crm.admin))["deal"]
    assert (shown["name"], "contact" in shown) == ("Rival", False)
    assert body_json(api.get(f"/deals.json?contact_id={person}", key=crm.admin))["total_count"] == 0
