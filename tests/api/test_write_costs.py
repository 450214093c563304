"""What a contact's writes cost, by DynamoDB's rules (the cost meter): a save rewrites the
contact and only the index entries that change; what changes most (updated_on, company, job
title, emails, phones) is carried by the "updated" entry alone."""
import pytest

from chalicelib.store import meter
from chalicelib.store.contacts import UPDATED, entries_of
from tests.conftest import written


def _created(crm, api):
    assignee = crm.member("seller", crm.project("sales"), "Manager")
    contact_id = crm.contact(project="sales", first_name="Ada", last_name="Lovelace", tag_list="vip, lead",
                             assigned_to_id=assignee)
    return contact_id


@pytest.mark.parametrize("change", [{"job_title": "Engineer"}, {"background": "met at a fair"},
                                    {"emails": ["ada@example.org"]}, {"company": "Analytical"},
                                    {"phones": ["+44 20 7946 0000"]}])
def test_a_one_field_update_rewrites_the_contact_and_its_updated_entry(api, crm, change):
    from chalicelib.store import contacts as store
    contact_id = _created(crm, api)
    before = {e.stream: e.serialize() for e in entries_of(store.get(contact_id))}
    with meter.measure() as cost:
        written(api.put(f"/contacts/{contact_id}.json", {"contact": change}, key=crm.admin))
    after = {e.stream: e.serialize() for e in entries_of(store.get(contact_id))}
    rewritten = {s for s in after if before.get(s) != after[s]}
    company_stream = {s for s in after if s.startswith("company#")}
    # (a background change within the second of the last one leaves even that entry as it is)
    assert rewritten <= {UPDATED} | company_stream, rewritten
    assert rewritten or "background" in change
    # The contact and the "updated" entry in one transaction (2 units each), the entry's index
    # row moved when the second changed (its order is the time of the change: 2, else 1); a
    # first company adds its entry (2 + 1).
    assert cost.write_units <= 6 + 3 * len(company_stream), cost.line()
    assert cost.items_written == 1 + len(rewritten), cost.line()


def test_a_name_change_rewrites_every_entry_it_sorts(api, crm):
    from chalicelib.store import contacts as store
    contact_id = _created(crm, api)
    with meter.measure() as cost:
        written(api.put(f"/contacts/{contact_id}.json", {"contact": {"last_name": "Byron"}}, key=crm.admin))
    entries = entries_of(store.get(contact_id))
    assert all(e.last_name == "byron" for e in entries)
    # contact + every entry, transactional, each index row moved
    assert cost.write_units <= 2 + 2 * len(entries) + 2 * len(entries), cost.line()


def test_only_the_updated_entry_carries_what_changes_most(api, crm):
    from chalicelib.store import contacts as store
    contact_id = crm.contact(first_name="Grace", company="Navy", job_title="Admiral", emails=["g@navy.mil"])
    for entry in entries_of(store.get(contact_id)):
        carried = {name for name in ("updated_on", "company", "job_title", "search")
                   if getattr(entry, name) is not None}
        assert carried == (set() if entry.stream != UPDATED else {"updated_on", "company", "job_title", "search"})
