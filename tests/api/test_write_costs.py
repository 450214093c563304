"""What a contact's writes cost, by DynamoDB's rules (the cost meter). The request writes the
contact and its counter changes in one transaction; the crm stream's consumer then rewrites only
the index entries that differ (outside any transaction), and what changes most (updated_on,
company, job title, emails, phones) is carried by the "updated" entry alone."""
import json

import pytest

from chalicelib.consumers import crm_stream
from chalicelib.store import embedded, meter
from chalicelib.store import contacts as store
from chalicelib.store.contacts import UPDATED, entries_of
from tests.conftest import written


def _created(crm, api):
    assignee = crm.member("seller", crm.project("sales"), "Manager")
    contact_id = crm.contact(project="sales", first_name="Ada", last_name="Lovelace", tag_list="vip, lead",
                             assigned_to_id=assignee)
    return contact_id


def _stored_entries(contact_id) -> dict:
    pk = f"contact#{int(contact_id)}"
    return {e.stream: e.serialize() for e in store.ContactIndexEntry.query(
        pk, store.ContactIndexEntry.sk.startswith("entry#"), consistent_read=True)}


def _request_then_consumer(request, contact_id=None):
    """(the request's answer, its cost, the consumer's cost): the request is made with the
    stream held back, then the consumer is run on the contact's record, as Lambda would."""
    with embedded.streams_paused(), meter.measure() as cost:
        answer = request()
    contact_id = contact_id or json.loads(answer.body)["contact"]["id"]
    with meter.measure() as consumer:
        crm_stream.contact_entries.handle([crm_stream.record_of(contact_id)])
    return answer, cost, consumer


def test_a_create_is_one_transaction_of_the_contact_and_its_counters(api, crm):
    """The scale goal's case: one project, two tags, an assignee: at most 12 WCU."""
    assignee = crm.member("seller", crm.project("sales"), "Manager")
    crm.contact(project="sales", first_name="Warm", tag_list="vip, lead")       # the tags exist
    body = {"contact": {"project_id": "sales", "first_name": "Ada", "last_name": "Lovelace",
                        "tag_list": "vip, lead", "assigned_to_id": assignee}}
    answer, cost, consumer = _request_then_consumer(lambda: api.post("/contacts.json", body, key=crm.admin))
    contact_id = written(answer) and json.loads(answer.body)["contact"]["id"]
    # The id (1), then the contact and the assignee's, the bucket's and two tag counters, each
    # doubled by the transaction: 1 + 2 × 5.
    assert cost.operations["TransactWriteItems"] == 1 and cost.operations.get("BatchWriteItem", 0) == 0
    assert (cost.write_units, cost.index_write_units) == (11, 0), cost.line()
    # The consumer puts its six entries (all, bucket, updated, two tags, assignee): one unit each
    # and one in the index.
    wanted = {e.stream: e.serialize() for e in entries_of(store.get(contact_id))}
    assert len(wanted) == 6 and _stored_entries(contact_id) == wanted
    assert (consumer.items_written, consumer.write_units, consumer.index_write_units) == (6, 12, 6), consumer.line()
    # Its reads: the contact and its stored entries (none yet), each consistent, a block each.
    assert (consumer.calls, consumer.read_units) == (3, 2), consumer.line()


@pytest.mark.parametrize("change", [{"job_title": "Engineer"}, {"background": "met at a fair"},
                                    {"emails": ["ada@example.org"]}, {"company": "Analytical"},
                                    {"phones": ["+44 20 7946 0000"]}])
def test_a_one_field_update_rewrites_the_contact_and_its_updated_entry(api, crm, change):
    contact_id = _created(crm, api)
    before = _stored_entries(contact_id)
    answer, cost, consumer = _request_then_consumer(
        lambda: api.put(f"/contacts/{contact_id}.json", {"contact": change}, key=crm.admin), contact_id)
    written(answer)
    after = _stored_entries(contact_id)
    assert after == {e.stream: e.serialize() for e in entries_of(store.get(contact_id))}
    rewritten = {s for s in after if before.get(s) != after[s]}
    company_stream = {s for s in after if s.startswith("company#")}
    # (a background change within the second of the last one leaves even that entry as it is)
    assert rewritten <= {UPDATED} | company_stream, rewritten
    assert rewritten or "background" in change
    # The request: the contact alone, in its transaction (2 units).
    assert (cost.items_written, cost.write_units) == (1, 2), cost.line()
    # The consumer: the "updated" entry (1), its index row moved when the second changed (its
    # order is the time of the change: 2, else 1); a first company adds its entry (1 + 1).
    assert consumer.items_written == len(rewritten), consumer.line()
    assert consumer.read_units == 2 and consumer.items_read == 1 + len(before), consumer.line()
    assert consumer.write_units <= 3 + 2 * len(company_stream), consumer.line()


def test_a_name_change_rewrites_every_entry_it_sorts(api, crm):
    contact_id = _created(crm, api)
    before = _stored_entries(contact_id)
    answer, cost, consumer = _request_then_consumer(
        lambda: api.put(f"/contacts/{contact_id}.json", {"contact": {"last_name": "Byron"}}, key=crm.admin),
        contact_id)
    written(answer)
    entries = entries_of(store.get(contact_id))
    assert all(e.last_name == "byron" for e in entries)
    assert _stored_entries(contact_id) == {e.stream: e.serialize() for e in entries}
    assert cost.write_units == 2, cost.line()
    # Every entry; each index row moved (a delete and a put there) but the "updated" one's when
    # the change came within the second of the create (its order is the time).
    moved = [e for e in entries if before[e.stream]["order"] != e.serialize()["order"]]
    assert len(moved) >= len(entries) - 1
    assert (consumer.items_written, consumer.write_units) == (len(entries), 2 * len(entries) + len(moved)), \
        consumer.line()


def test_a_delete_takes_the_contact_and_its_counters_then_the_consumer_its_entries(api, crm):
    contact_id = _created(crm, api)
    answer, cost, consumer = _request_then_consumer(
        lambda: api.delete(f"/contacts/{contact_id}.json", key=crm.admin), contact_id)
    written(answer)
    # The contact, its tombstone (and the tombstone's index row), four counters, doubled.
    assert (cost.items_written, cost.write_units) == (6, 13), cost.line()
    assert _stored_entries(contact_id) == {}
    assert (consumer.items_written, consumer.write_units) == (6, 12), consumer.line()


def test_only_the_updated_entry_carries_what_changes_most(api, crm):
    contact_id = crm.contact(first_name="Grace", company="Navy", job_title="Admiral", emails=["g@navy.mil"])
    for entry in entries_of(store.get(contact_id)):
        carried = {name for name in ("updated_on", "company", "job_title", "search")
                   if getattr(entry, name) is not None}
        assert carried == (set() if entry.stream != UPDATED else {"updated_on", "company", "job_title", "search"})
