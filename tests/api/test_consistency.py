"""The consistency checker: silent on what the API writes, and it names each kind of damage."""
import pytest

from chalicelib import config
from chalicelib.cli import main as cli
from chalicelib.store import consistency, embedded
from chalicelib.store.crm import (BucketCounter, ContactIndexEntry, ContactRecord, NoteRecord, Pointer,
                                  StreamCounter, TagRecord)
from chalicelib.store.files import AttachmentRecord, s3
from tests.conftest import body_json

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def world(api, crm):
    """A contact with tags, a company, a note, a ticket and an avatar; a deal with a note."""
    crm.project("sales")
    token = body_json(api.post("/uploads.json", PNG, key=crm.admin,
                               content_type="application/octet-stream"))["upload"]["token"]
    company = crm.contact(first_name="Acme", is_company=True)
    person = crm.contact(first_name="Ann", last_name="Lee", company="Acme", tag_list="vip, Lead",
                         assigned_to_id=1, visibility=1, avatar={"token": token})
    assert api.post(f"/contacts/{person}/notes.json", {"note": {"content": "Called"}}, key=crm.admin).status_code == 201
    assert api.post("/tickets.json", {"ticket": {"subject": "Help", "contact_id": person,
                                                 "project_id": "support"}}, key=crm.admin).status_code == 201
    r = api.post("/projects/sales/deals.json", {"deal": {"name": "Big", "contact_id": person}}, key=crm.admin)
    assert r.status_code == 201, r.body
    deal = body_json(r)["deal"]["id"]
    assert api.post("/notes.json", {"note": {"content": "Offer", "source_type": "Deal", "source_id": deal}},
                    key=crm.admin).status_code == 201
    return {"company": company, "person": person, "deal": deal}


def problems():
    return consistency.check().problems


def test_what_the_api_writes_is_consistent(world):
    report = consistency.check()
    assert report.problems == [] and report.garbage == {}
    assert report.items > 20 and report.files == 1


def test_a_missing_or_stale_index_entry_is_found(world):
    pk = ContactRecord.key(world["person"])[0]
    ContactIndexEntry.get(pk, ContactIndexEntry.sort_key("tag#vip")).delete()
    entry = ContactIndexEntry.get(pk, ContactIndexEntry.sort_key("updated"))
    entry.name = "Someone Else"
    entry.save()
    assert sorted(problems()) == [f"contact {world['person']}: index entry entry#tag#vip is missing",
                                  f"contact {world['person']}: index entry entry#updated disagrees with it"]


def test_an_entry_of_a_missing_contact_and_a_wrong_counter_are_found(world):
    with embedded.streams_paused():     # gone without the consumer that would take its entries
        ContactRecord.get(*ContactRecord.key(world["company"])).delete()
    found = problems()
    assert f"index entries of missing contact {world['company']}: 3" in found   # "all", its bucket, "updated"
    assert "bucket#project#1: counted 1, holds 0" in found
    assert f"search index of contact {world['company']} disagrees with it" in found
    assert len(found) == 3, found


def test_a_contact_tag_without_its_record_is_found(world):
    TagRecord.get(*TagRecord.key("lead")).delete()
    assert problems() == [f"contact {world['person']}: tag 'Lead' has no tag record"]


def test_orphan_notes_tickets_and_pointers_are_found(world):
    person_pk = ContactRecord.key(world["person"])[0]
    note = next(NoteRecord.query(person_pk, NoteRecord.sk.startswith("note#")))
    Pointer.get(*Pointer.key("note", note.id)).delete()
    ContactRecord.get(*ContactRecord.key(world["person"])).delete()
    found = problems()
    assert f"note {note.id}: its contact {world['person']} does not exist" in found
    assert f"note {note.id}: its pointer is missing" in found
    assert f"ticket 1: its contact {world['person']} does not exist" in found
    Pointer(*Pointer.key("ticket", 99), home_pk=person_pk).save()
    assert "pointer ticket#99: leads to nothing" in problems()


def test_avatar_damage_is_found_and_files_without_records_are_garbage(world):
    ContactRecord.get(*ContactRecord.key(world["person"]))  # exists
    attachment = AttachmentRecord.get(*AttachmentRecord.key(1))
    s3().delete_object(Bucket=config.FILES_BUCKET, Key=attachment.object_key)
    assert problems() == ["attachment 1: its file is missing"]
    attachment.delete()
    assert problems() == [f"contact {world['person']}: avatar 1 has no record"]
    s3().put_object(Bucket=config.FILES_BUCKET, Key="attachments/77", Body=PNG)
    report = consistency.check()
    assert list(report.garbage) == ["attachments/77"]
    assert consistency.remove_garbage(report) == 0                      # younger than an hour: left
    assert consistency.remove_garbage(report, older_than=0) == 1
    assert consistency.check().garbage == {}


def test_deal_entries_are_checked(world):
    from chalicelib.store.crm import DealIndexEntry, DealRecord
    pk = DealRecord.key(world["deal"])[0]
    entry = next(DealIndexEntry.query(pk, DealIndexEntry.sk.startswith("entry#")))
    entry.status_id = 42
    entry.save()
    assert problems() == [f"deal {world['deal']}: index entry {entry.sk} disagrees with it"]


def test_counter_shards_add_up(world):
    StreamCounter(StreamCounter.partition("assignee#1"), "0").update(
        actions=[StreamCounter.count.add(5), StreamCounter.kind.set(StreamCounter)])
    assert problems() == ["stream assignee#1: counted 6, holds 1"]
    StreamCounter(StreamCounter.partition("assignee#1"), "0").update(actions=[StreamCounter.count.add(-5)])
    BucketCounter(*BucketCounter.tag_key("bucket#public#1", "vip", 3)).update(actions=[
        BucketCounter.count.add(2), BucketCounter.kind.set(BucketCounter),
        BucketCounter.bucket.set("bucket#public#1"), BucketCounter.tag.set("vip")])
    assert problems() == ["bucket#public#1 tag 'vip': counted 3, holds 1"]


def test_the_command_line_reports_and_exits_nonzero(world, capsys):
    assert cli(["check-consistency"]) == 0
    assert "nothing out of place" in capsys.readouterr().out
    ContactIndexEntry.get(ContactRecord.key(world["person"])[0],
                          ContactIndexEntry.sort_key("bucket#public#1")).delete()
    assert cli(["check-consistency"]) == 1
    out = capsys.readouterr().out
    assert "1 problems." in out and f"contact {world['person']}: index entry entry#bucket#public#1 is missing" in out


def test_an_item_written_without_its_kind_is_found(world):
    StreamCounter(StreamCounter.partition("all"), "9").update(actions=[StreamCounter.count.add(1)])
    assert problems() == ["item counter#all 9 has no kind"]


def test_search_index_damage_is_found_and_a_rebuild_repairs_it(world, capsys):
    from chalicelib.store.crm import GramBlock, GramCount, GramPosting, SearchDocument
    block = SearchDocument.get(*SearchDocument.key(world["person"])).placed["lee"]
    GramBlock(*GramBlock.key("lee", block)).update(actions=[GramBlock.ids.delete({world["person"]})])
    GramCount(*GramCount.key("acm")).update(actions=[GramCount.count.add(3)])
    GramPosting("gram#lee", f"{world['person']:012d}", contact_id=world["person"]).save()
    report = consistency.check()
    assert report.problems == [f"search block {block} of 'lee' lacks contact {world['person']}",
                               "search postings of 'lee' disagree with the indexed contacts",
                               "1 search postings of an earlier layout: run rebuild-indexes"]
    assert report.drift == ["search count of 'acm': counted 5, holds 2", "search count of 'lee': counted 1, holds 0"]
    assert cli(["rebuild-indexes"]) == 0
    out = capsys.readouterr().out
    assert "search blocks 1" in out and "search counts 1" in out, out
    assert "search postings of the earlier layout 1" in out, out
    report = consistency.check()
    assert (report.problems, report.drift) == ([], [])
    assert GramPosting.count("gram#lee") == 0


def test_a_3_gram_missing_from_the_directory_of_short_words_is_found_and_relisted(world, api, crm, capsys,
                                                                                 monkeypatch):
    """A search for "ee" (read through the directory whatever the table's size) finds Ann Lee
    through the 3-gram "lee", and misses her once that listing is gone (as on a table from
    before the directory): the checker names each missing listing, and rebuild-indexes writes
    the directory again."""
    from chalicelib.services import contact_search
    from chalicelib.store.crm import GramCount, GramDirectory
    from chalicelib.store.search import directory
    monkeypatch.setattr(contact_search, "stored", lambda: 10 ** 9)

    def search(words):
        return [c["id"] for c in body_json(api.get(f"/contacts.json?search={words}", key=crm.admin))["contacts"]]

    assert world["person"] in search("ee")
    for key in directory(["lee"]):
        GramDirectory(*key).update(actions=[GramDirectory.grams.delete({"lee"})])
    GramCount(*GramCount.key("lee")).update(actions=[GramCount.listed.remove()])
    assert world["person"] not in search("ee")
    assert problems() == ["search 3-gram 'lee' is not listed under 'e': run rebuild-indexes",
                          "search 3-gram 'lee' is not listed under 'ee': run rebuild-indexes",
                          "search 3-gram 'lee' is not listed under 'l': run rebuild-indexes",
                          "search 3-gram 'lee' is not listed under 'le': run rebuild-indexes"]
    assert cli(["rebuild-indexes"]) == 0
    out = capsys.readouterr().out
    assert "search directory" in out and "search counts 1" in out, out
    assert problems() == []
    assert world["person"] in search("ee")
    assert GramCount.get(*GramCount.key("lee")).listed is True


def test_a_table_of_an_earlier_version_is_brought_up_to_date(world, capsys):
    """Entries of streams that no longer exist, missing buckets, counters and deal summaries of
    an earlier version: rebuild-indexes writes them from the contacts and deals."""
    from chalicelib.store.crm import DealIndexEntry, DealRecord
    pk = ContactRecord.key(world["person"])[0]
    ContactIndexEntry.get(pk, ContactIndexEntry.sort_key("bucket#public#1")).delete()
    old = ContactIndexEntry.get(pk, ContactIndexEntry.sort_key("all"))
    old.sk, old.stream = ContactIndexEntry.sort_key("project#1"), "project#1"
    old.save()
    for shard in BucketCounter.query(BucketCounter.PARTITION):
        shard.delete()
    StreamCounter(StreamCounter.partition("project#1"), "0", count=2).save()
    for entry in DealIndexEntry.query(DealRecord.key(world["deal"])[0], DealIndexEntry.sk.startswith("entry#")):
        entry.contact_summary = None
        entry.save()
    assert len(problems()) > 4
    assert cli(["rebuild-indexes"]) == 0
    out = capsys.readouterr().out
    assert "contact entries 2" in out and "deal entries 2" in out, out
    assert problems() == []


def test_a_contact_updated_before_it_was_created_is_found_and_a_rebuild_repairs_it(world, api, crm, capsys):
    """Written before saves kept updated_on from preceding created_on: a created_on filter,
    which reads the "updated" stream from the range's start, would miss it."""
    record = ContactRecord.get(*ContactRecord.key(world["person"]))
    created = record.created_on
    record.updated_on = "2020-01-01T00:00:00Z"
    with embedded.streams_paused():
        record.save()     # the record alone, as an earlier version left it
    assert problems() == [f"contact {world['person']}: updated_on is before created_on (created_on filters "
                          "miss it): run rebuild-indexes",
                          f"contact {world['person']}: index entry entry#updated disagrees with it"]
    assert cli(["rebuild-indexes"]) == 0
    assert "contact stamps 1" in capsys.readouterr().out
    assert problems() == []
    stored = body_json(api.get(f"/contacts/{world['person']}.json", key=crm.admin))["contact"]
    assert stored["created_on"] == stored["updated_on"] == created
    assert world["person"] in crm.ids(f"/contacts.json?created_on=>={created}")[0]


def test_a_rebuild_marks_a_part_whose_directory_would_not_fit_overfull(world, api, crm, monkeypatch):
    """rebuild-indexes writes no directory shard larger than an item may be: a part that would
    need one is marked overfull (searches for it read the streams) and its shards go."""
    from chalicelib.services import contact_search
    from chalicelib.store.crm import GramDirectory
    monkeypatch.setattr(contact_search, "stored", lambda: 10 ** 9)
    monkeypatch.setattr(GramDirectory, "MOST_BYTES", 3)        # a shard holding any 3-gram is too big
    assert cli(["rebuild-indexes"]) == 0
    marked = {item.pk for item in GramDirectory.scan(GramDirectory.sk == GramDirectory.OVERFULL)}
    assert "within#e" in marked                                   # "lee" holds it
    assert not [item for item in GramDirectory.query("within#e") if item.sk != GramDirectory.OVERFULL]
    assert problems() == []
    found = [c["id"] for c in body_json(api.get("/contacts.json?search=e", key=crm.admin))["contacts"]]
    assert world["person"] in found
    monkeypatch.setattr(GramDirectory, "MOST_BYTES", 300_000)
    assert cli(["rebuild-indexes"]) == 0
    assert not list(GramDirectory.scan(GramDirectory.sk == GramDirectory.OVERFULL))
    assert problems() == []
