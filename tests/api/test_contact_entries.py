"""A contact's index entries follow it through the crm stream's consumer: whatever the order,
the repeats and the delays of the records it is handed, once it has seen each contact's last
write the stored entries are exactly those of the contacts, and lists never show a contact by
an entry that is behind it."""
from hypothesis import HealthCheck, given, settings, strategies as st

from chalicelib.consumers import contact_entries, crm_stream
from chalicelib.store import consistency, embedded
from chalicelib.store import contacts as store
from tests.conftest import body_json, written


def _stored(contact_id) -> dict:
    return {e.stream: e.serialize() for e in store.ContactIndexEntry.query(
        f"contact#{int(contact_id)}", store.ContactIndexEntry.sk.startswith("entry#"), consistent_read=True)}


def _wanted(contact_id) -> dict:
    contact = store.get(contact_id)
    return {e.stream: e.serialize() for e in store.entries_of(contact)} if contact else {}


def _deliver(*contact_ids) -> None:
    contact_entries.handle([crm_stream.record_of(i) for i in contact_ids])


CHANGES = st.one_of(
    st.fixed_dictionaries({"tag_list": st.lists(st.sampled_from(["vip", "VIP", "lead", "cold", "é"]), max_size=3)
                          .map(", ".join)}),
    st.fixed_dictionaries({"visibility": st.sampled_from([0, 1, 2])}),
    st.fixed_dictionaries({"last_name": st.sampled_from(["Ames", "Byron", "Çelik", None])}),
    st.fixed_dictionaries({"company": st.sampled_from(["Acme", "ACME", "Initech", ""])}),
    st.fixed_dictionaries({"assigned_to_id": st.sampled_from(["seller", None])}),
    st.fixed_dictionaries({"sales": st.sampled_from(["add", "remove"])}),     # a second project
    st.just("delete"),
)
# A step: change contact i, or hand the consumer the records of some contacts (late, again, in
# any order).
STEPS = st.lists(st.one_of(st.tuples(st.just("write"), st.integers(0, 2), CHANGES),
                           st.tuples(st.just("deliver"), st.lists(st.integers(0, 2), min_size=1, max_size=4))),
                 min_size=1, max_size=10)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_entries_converge_on_the_contacts_whatever_the_delivery(api, crm, steps):
    if not hasattr(crm, "seller"):      # once for all examples: the fixtures are the test's
        crm.seller = crm.member("seller", crm.project("sales"), "Manager")
        crm.member("seller", "support", "Manager")
    seller = crm.seller
    with embedded.streams_paused():
        ids = [crm.contact(project="support", first_name=f"C{n}", tag_list="vip") for n in range(3)]
        living = set(ids)
        for step in steps:
            if step[0] == "deliver":
                _deliver(*(ids[i] for i in step[1]))
                continue
            _, index, change = step
            contact_id = ids[index]
            if contact_id not in living:
                continue
            if change == "delete":
                written(api.delete(f"/contacts/{contact_id}.json", key=crm.admin))
                living.discard(contact_id)
                continue
            change = dict(change)
            if "assigned_to_id" in change:
                change["assigned_to_id"] = seller if change["assigned_to_id"] else None
            if change.get("sales") == "add":
                written(api.post(f"/contacts/{contact_id}/projects.json", {"project_id": "sales"}, key=crm.admin))
                continue
            if change.get("sales") == "remove":
                r = api.delete(f"/contacts/{contact_id}/projects/sales.json", key=crm.admin)
                assert r.status_code in (204, 404), r.body
                continue
            written(api.put(f"/contacts/{contact_id}.json", {"contact": change}, key=crm.admin))
        _deliver(*reversed(ids))
    for contact_id in ids:
        assert _stored(contact_id) == _wanted(contact_id), contact_id
    listed, total = crm.ids("/contacts.json?limit=100")
    assert set(ids) & set(listed) == living
    assert not [p for p in consistency.check().problems if p.startswith(tuple(f"contact {i}:" for i in ids))]


def test_an_entry_written_from_a_contact_read_before_a_later_write_is_set_right_by_its_record(api, crm, monkeypatch):
    """The consumer reads the contact, a write lands, then the consumer writes what it read:
    the entries are behind until the later write's record comes, and right after it."""
    contact_id = crm.contact(first_name="Ada", tag_list="vip")
    read = store.get

    def read_then_a_write_lands(wanted_id):
        contact = read(wanted_id)
        monkeypatch.setattr(store, "get", read)
        with embedded.streams_paused():
            written(api.put(f"/contacts/{contact_id}.json", {"contact": {"tag_list": "lead", "last_name": "Byron"}},
                            key=crm.admin))
        return contact
    with embedded.streams_paused():
        written(api.put(f"/contacts/{contact_id}.json", {"contact": {"job_title": "Countess"}}, key=crm.admin))
    monkeypatch.setattr(store, "get", read_then_a_write_lands)
    _deliver(contact_id)
    assert set(_stored(contact_id)) >= {"tag#vip"} and "tag#lead" not in _stored(contact_id)
    _deliver(contact_id)
    assert _stored(contact_id) == _wanted(contact_id)
    assert set(_stored(contact_id)) >= {"tag#lead"} and "tag#vip" not in _stored(contact_id)


def test_a_list_never_shows_a_contact_by_an_entry_that_is_behind_it(api, crm):
    crm.member("viewer", "support", "Reporter")
    contact_id = crm.contact(first_name="Ada")
    assert contact_id in crm.ids("/contacts.json", login="viewer")[0]
    with embedded.streams_paused():     # made private: its entries still say otherwise
        written(api.put(f"/contacts/{contact_id}.json", {"contact": {"visibility": 2}}, key=crm.admin))
        assert _stored(contact_id) != _wanted(contact_id)
        r = api.get("/contacts.json", key=crm.key("viewer"))
        assert contact_id not in [c["id"] for c in body_json(r)["contacts"]]
        r = api.get(f"/contacts.xml?ids={contact_id}", key=crm.key("viewer"))
        assert r.status_code == 200 and f"<id>{contact_id}</id>" not in r.body.decode()
    _deliver(contact_id)
    assert crm.ids("/contacts.json", login="viewer") == ([], 0)


def test_where_no_consumer_reads_the_stream_each_write_brings_its_entries_along(api, crm, monkeypatch):
    """A server over a DynamoDB endpoint of one's own: the consumer's work follows each write."""
    monkeypatch.setattr(store, "_followers", [])
    store.follow_writes(crm_stream.follow)
    with embedded.streams_paused():
        contact_id = crm.contact(first_name="Ada", tag_list="vip")
        assert _stored(contact_id) == _wanted(contact_id) != {}
        assert crm.ids("/contacts.json?search=ada")[0] == [contact_id]
        written(api.delete(f"/contacts/{contact_id}.json", key=crm.admin))
        assert _stored(contact_id) == {}


def test_a_server_over_an_endpoint_of_its_own_follows_its_writes(monkeypatch):
    """open_store for DYNAMODB_ENDPOINT installs the follower; the embedded store and AWS do not."""
    from chalicelib import config
    from chalicelib.local import backend
    from chalicelib.services import defaults
    from chalicelib.store import operations
    monkeypatch.setattr(store, "_followers", [])
    monkeypatch.setattr(operations, "create_tables", lambda: None)
    monkeypatch.setattr(defaults, "ensure_defaults", lambda: None)
    monkeypatch.setattr(config, "DYNAMODB_ENDPOINT", None)
    backend.open_store(embedded=False)          # a stage on AWS: its Indexes function follows
    assert store._followers == []
    monkeypatch.setattr(config, "DYNAMODB_ENDPOINT", "http://localhost:8000")
    backend.open_store(embedded=False)
    backend.open_store(embedded=False)
    assert store._followers == [crm_stream.follow]


def test_deals_and_tickets_decide_on_the_contact_as_stored_not_on_its_entries(api, crm):
    """A private contact written a moment ago has no entries yet: its deal and ticket stay
    hidden from who may not see it, and a page seen by an admin leaves their summaries alone."""
    from chalicelib.store import deals as deal_store
    crm.member("viewer", "support", "Reporter")
    with embedded.streams_paused():
        secret = crm.contact(first_name="Secret", visibility=2)
        assert _stored(secret) == {}
        deal = body_json(written(api.post("/deals.json", {"deal": {"name": "Quiet", "project_id": "support",
                                                                   "contact_id": secret}}, key=crm.admin)))["deal"]
        ticket = body_json(written(api.post("/tickets.json", {"ticket": {"subject": "Hush", "contact_id": secret}},
                                            key=crm.admin)))["ticket"]
        viewer = crm.key("viewer")
        assert api.get(f"/deals/{deal['id']}.json", key=viewer).status_code == 403
        assert body_json(api.get("/deals.json", key=viewer))["deals"] == []
        assert body_json(api.get("/tickets.json", key=viewer))["tickets"] == []
        summary = store.visibility_summary(store.get(secret))
        admin_deals = body_json(api.get("/deals.json", key=crm.admin))["deals"]
        assert [d["contact"] for d in admin_deals] == [{"id": secret, "name": "Secret"}]
        admin_tickets = body_json(api.get("/tickets.json", key=crm.admin))["tickets"]
        assert [t["contact"] for t in admin_tickets] == [{"id": secret, "name": "Secret"}]
        assert deal_store.get(deal["id"]) is not None
        assert [e.contact_summary for e in deal_store.entries_in([deal_store.contact_stream(secret)])] == [summary]
    assert ticket["id"] and not [p for p in consistency.check().problems if "deal" in p or "ticket" in p]
