"""What lists and shows cost on 2,000 contacts, measured with the cost meter: no Scan, a page
fetches at most its own contact items, and index reads grow with offset + limit (admin, one
stream) or with the streams a caller may see, never with the table."""
import moto
import pytest

from chalicelib.store import meter
from chalicelib.store.crm import CrmItem
from tests.conftest import Api, body_json, written

CONTACTS = 2000
DEALS = 200
TICKETS = 300
CRM = CrmItem.Meta.table_name


@pytest.fixture(scope="module", autouse=True)
def aws():
    """One seeded store for the whole module (seeding is the slow part)."""
    with moto.mock_aws():
        from chalicelib.local import sample
        from chalicelib.services.defaults import ensure_defaults
        from chalicelib.store.operations import create_tables
        create_tables()
        ensure_defaults()
        yield sample.build(CONTACTS, deals=DEALS, tickets=TICKETS)


@pytest.fixture(scope="module")
def world(aws):
    return aws


@pytest.fixture(scope="module")
def api():
    return Api()


def measured(api, path, key):
    with meter.measure() as cost:
        r = api.get(path, key=key)
    assert r.status_code == 200, r.body
    doc = body_json(r)
    print(f"\n{path:<55} {cost.line()}")
    return doc, cost


def entries_read(cost) -> int:
    """Index entries read through the streams index (counters and own streams are not)."""
    return cost.items("Query", f"{CRM}/streams")


def counter_items(cost) -> int:
    return cost.items("Query", CRM)


def buckets_holding(world, project_id=None) -> int:
    """How many buckets a list of these projects merges (an independent count over the records)."""
    from chalicelib.store.contacts import bucket_of
    return len({bucket_of(r) for r in world.records if project_id is None or project_id in r.project_ids})


def member_sees(world, record) -> bool:
    """SPEC section 2 for the sample's member, written out here: a Reporter (view_contacts, no
    private ones) in member_projects, author and assignee of nothing."""
    mine = set(record.project_ids) & set(world.member_projects)
    return int(record.visibility) == 1 or (int(record.visibility) == 0 and bool(mine))


def names_in_order(records) -> list:
    from chalicelib.store.contacts import name_order
    return [int(r.id) for r in sorted(records, key=name_order)]


@pytest.mark.parametrize("kind", ["all", "project", "tag", "assignee"])
@pytest.mark.parametrize("page", [1, 10])
def test_admin_pages_read_entries_bounded_by_offset_plus_limit(api, world, kind, page):
    project, tag, assignee = world.project_ids[0], world.tags[0], world.assignee_ids[0]
    query, matches, streams = {
        "all": ("", lambda r: True, buckets_holding(world)),
        "project": (f"project_id={project}&", lambda r: project in r.project_ids, buckets_holding(world, project)),
        "tag": (f"tags={tag}&", lambda r: tag in r.tags, 1),
        "assignee": (f"assigned_to_id={assignee}&", lambda r: r.assigned_to_id == assignee, 1),
    }[kind]
    doc, cost = measured(api, f"/contacts.json?{query}page={page}", world.admin_key)
    offset = (page - 1) * 25
    expected = names_in_order([r for r in world.records if matches(r)])
    assert doc["total_count"] == len(expected)
    assert [c["id"] for c in doc["contacts"]] == expected[offset:offset + 25]
    assert cost.scans == 0
    assert cost.items("BatchGetItem", CRM) <= 25
    # A page reads what it skips and shows, plus a look-ahead of at most three entries per
    # bucket merged; the counters are one Query of small items.
    assert entries_read(cost) <= offset + 25 + 3 * streams
    assert counter_items(cost) <= streams * 4 + 10 * 4 * 30


@pytest.mark.parametrize("page", [1, 10])
def test_member_pages_cost_their_page_not_what_the_member_may_see(api, world, page):
    visible = [r for r in world.records if member_sees(world, r)]
    for query, chosen in (("", visible),
                          (f"project_id={world.member_projects[0]}&",
                           [r for r in visible if world.member_projects[0] in r.project_ids])):
        doc, cost = measured(api, f"/contacts.json?{query}page={page}", world.member_key)
        offset = (page - 1) * 25
        expected = names_in_order(chosen)
        assert doc["total_count"] == len(expected)
        assert [c["id"] for c in doc["contacts"]] == expected[offset:offset + 25]
        assert cost.scans == 0 and cost.items("BatchGetItem", CRM) <= 25
        assert entries_read(cost) <= offset + 25 + 3 * buckets_holding(world)


@pytest.mark.parametrize("words", ["zyxwvut", "smith", "smith anna", "anna.smith", "nomatchatall", "555 0001",
                                   "jo", "zq", "jo smith"])
@pytest.mark.parametrize("who", ["admin", "member"])
def test_search_costs_what_it_matches(api, world, words, who):
    """Search reads the blocks of its rarest 3-grams and the entries they name: at most three
    items per match of the whole search plus 100, whoever asks (a member's search reads what an
    admin's does), and the same answer as a brute-force scan."""
    from chalicelib.store.contacts import search_text
    from urllib.parse import quote
    key = world.admin_key if who == "admin" else world.member_key
    doc, cost = measured(api, f"/contacts.json?search={quote(words)}&limit=100", key)
    folded = words.casefold().split()
    matching = [r for r in world.records if all(w in search_text(r) for w in folded)
                and (who == "admin" or member_sees(world, r))]
    assert doc["total_count"] == len(matching)
    assert [c["id"] for c in doc["contacts"]] == names_in_order(matching)[:100]
    assert cost.scans == 0
    matches = sum(1 for r in world.records if all(w in search_text(r) for w in folded))
    assert cost.items_read <= 3 * matches + 100, (matches, cost.line())


@pytest.mark.parametrize("words", ["k ov", "o v", "a e", "v"])
@pytest.mark.parametrize("who", ["admin", "member"])
def test_broad_searches_cost_what_their_rarest_word_matches_at_most(api, world, words, who):
    """Words of one or two characters, matching a fair share of the contacts: the answer of a
    scan, for read units of at most what the postings plan costs (three items per match of the
    rarest word plus 100, each billed as a read by key), and at most twice a read of the whole
    "updated" stream plus the page: the list reads that stream instead when the candidates
    would cost more by key, after the directory and the counts that told it so."""
    from chalicelib.store import contacts as contact_store
    from chalicelib.store.contacts import search_text
    from urllib.parse import quote
    with meter.measure() as whole:
        list(contact_store.read_stream(contact_store.UPDATED))
    key = world.admin_key if who == "admin" else world.member_key
    doc, cost = measured(api, f"/contacts.json?search={quote(words)}&limit=100", key)
    folded = words.split()
    matching = [r for r in world.records if all(w in search_text(r) for w in folded)
                and (who == "admin" or member_sees(world, r))]
    assert doc["total_count"] == len(matching)
    assert [c["id"] for c in doc["contacts"]] == names_in_order(matching)[:100]
    assert cost.scans == 0
    rarest = min(sum(1 for r in world.records if w in search_text(r)) for w in folded)
    assert cost.read_units <= 0.5 * (3 * rarest + 100), (rarest, cost.line())
    assert cost.read_units <= 2 * whole.read_units + 0.5 * 100 + 10, (whole.read_units, cost.line())
    assert cost.items_read <= len(world.records) + 100 + 200, cost.line()


def test_show_costs_a_constant_number_of_calls(api, world):
    for key in (world.admin_key, world.member_key):
        listed = body_json(api.get("/contacts.json?limit=1", key=key))["contacts"][0]["id"]
        doc, cost = measured(api, f"/contacts/{listed}.json?include=contacts", key)
        assert cost.scans == 0
        assert cost.calls <= 9
        assert cost.items("GetItem", CRM) == 1


def test_no_request_in_this_module_scanned(api, world):
    with meter.measure() as cost:
        for path in ("/contacts.json?sort=updated_on:desc", "/contacts.json?is_company=0&limit=100",
                     f"/contacts.json?ids=1,2,3,{CONTACTS}", "/contacts.json?updated_on=>=2000-01-01",
                     "/contacts.xml?include=projects&tags=vip|lead"):
            assert api.get(path, key=world.admin_key).status_code == 200
    assert cost.scans == 0


def test_incremental_sync_reads_only_what_changed(api, world):
    import time
    time.sleep(1.1)   # the seeded contacts carry an earlier second
    changed = []
    for contact_id in (3, 300, 1500):
        r = api.put(f"/contacts/{contact_id}.json", {"contact": {"background": "synced"}}, key=world.admin_key)
        assert r.status_code == 204
        changed.append(body_json(api.get(f"/contacts/{contact_id}.json", key=world.admin_key))["contact"])
    since = min(c["updated_on"] for c in changed)
    doc, cost = measured(api, f"/contacts.json?updated_on=%3E%3D{since}&sort=updated_on", world.admin_key)
    assert sorted(c["id"] for c in doc["contacts"]) == [3, 300, 1500]
    stamps = [c["updated_on"] for c in doc["contacts"]]
    assert stamps == sorted(stamps)
    assert doc["total_count"] == 3
    assert entries_read(cost) == 3 and cost.scans == 0


@pytest.mark.parametrize("who", ["admin", "member"])
def test_the_recently_updated_read_only_their_page(api, world, who):
    """Sorted by updated_on, newest first, a page reads the "updated" stream from its end: the
    contacts changed since the seed (and those tied with the page's last), not the table."""
    import time
    time.sleep(1.1)   # the seeded contacts carry an earlier second
    key = world.admin_key if who == "admin" else world.member_key
    mine = [r for r in world.records if who == "admin" or member_sees(world, r)]
    chosen = [int(r.id) for r in mine[10:16]]
    for contact_id in chosen:
        written(api.put(f"/contacts/{contact_id}.json", {"contact": {"background": f"recent {who}"}},
                        key=world.admin_key))
    doc, cost = measured(api, "/contacts.json?sort=updated_on:desc&limit=4", key)
    stored = {c["id"]: c for c in (body_json(api.get(f"/contacts/{i}.json", key=world.admin_key))["contact"]
                                   for i in chosen)}
    shown = [c["id"] for c in doc["contacts"]]
    assert set(shown) <= set(chosen) and len(shown) == 4
    stamps = [stored[i]["updated_on"] for i in shown]
    assert stamps == sorted(stamps, reverse=True)
    assert doc["total_count"] == len(mine)
    # The six changed, one entry past them, and a chunk's slack for the member's share.
    assert entries_read(cost) <= len(chosen) + 1 + 10 and cost.scans == 0, cost.line()


@pytest.mark.parametrize("who", ["admin", "member"])
def test_the_recently_created_read_only_what_changed_since(api, world, who):
    """A created_on range reads the "updated" stream from its start (nothing is updated before
    it was created): the contacts created since, not the table."""
    import time

    from chalicelib.store.operations import now
    time.sleep(1.1)   # the seeded contacts carry an earlier second
    since = now()
    project = world.member_projects[0]
    made = [body_json(written(api.post("/contacts.json", {"contact": {"first_name": f"New {n}", "project_id": project,
                                                                        "visibility": n % 2 * 2}},
                                       key=world.admin_key)))["contact"]["id"] for n in range(4)]
    try:
        key = world.admin_key if who == "admin" else world.member_key
        doc, cost = measured(api, f"/contacts.json?created_on=%3E%3D{since[:-1]}%2B00:00&limit=2", key)
        expected = made if who == "admin" else [i for n, i in enumerate(made) if n % 2 == 0]
        assert doc["total_count"] == len(expected)
        assert [c["id"] for c in doc["contacts"]] == expected[:2]
        # Only the four created since (and any contact updated since the stamp) are read.
        assert entries_read(cost) <= len(made) + 1 and cost.scans == 0, cost.line()
    finally:
        for contact_id in made:
            written(api.delete(f"/contacts/{contact_id}.json", key=world.admin_key))


def test_contacts_tags_sum_counters_instead_of_reading_contacts(api, world):
    visible = [r for r in world.records if member_sees(world, r)]
    for key, seen in ((world.admin_key, world.records), (world.member_key, visible)):
        doc, cost = measured(api, "/contacts_tags.json", key)
        expected = {tag for record in seen for tag in record.tags}
        assert {t["name"] for t in doc["tags"]} == expected
        assert entries_read(cost) == 0 and cost.scans == 0
        assert counter_items(cost) <= buckets_holding(world) * (1 + len(world.tags)) * 4 + len(world.tags)


@pytest.mark.parametrize("who", ["admin", "member"])
def test_one_tag_reads_its_page_by_the_share_the_caller_sees(api, world, who):
    tag = world.tags[0]
    key = world.admin_key if who == "admin" else world.member_key
    tagged = [r for r in world.records if tag in r.tags]
    seen = [r for r in tagged if who == "admin" or member_sees(world, r)]
    for page in (1, 4):
        doc, cost = measured(api, f"/contacts.json?tags={tag}&page={page}", key)
        offset = (page - 1) * 25
        assert doc["total_count"] == len(seen)
        assert [c["id"] for c in doc["contacts"]] == names_in_order(seen)[offset:offset + 25]
        # What the page needs, divided by the share of the tag the caller sees, and a chunk's slack.
        assert entries_read(cost) <= (offset + 25) * len(tagged) / len(seen) * 1.5 + 10, cost.line()


@pytest.mark.parametrize("page", [1, 4])
def test_deal_lists_read_no_contacts_but_their_pages(api, world, page):
    offset = (page - 1) * 25
    doc, cost = measured(api, f"/deals.json?page={page}", world.admin_key)
    assert doc["total_count"] == DEALS and len(doc["deals"]) == 25
    assert entries_read(cost) <= offset + 25 + 3 * len(world.project_ids)     # a merge of project streams
    # The page's deals, their contacts' entries (visibility) and records (names), counter shards.
    assert cost.items("BatchGetItem", CRM) <= 3 * 25 + 4 * len(world.project_ids)
    doc, cost = measured(api, f"/deals.json?page={page}", world.member_key)
    # What the member sees, decided here on the deals and contacts as stored: deals of its
    # projects (a Reporter views deals there) whose contact it sees, newest first.
    from chalicelib.store import deals as deal_store
    records = {int(r.id): r for r in world.records}
    every = deal_store.get_many(range(1, DEALS + 1)).values()
    in_projects = [d for d in every if int(d.project_id) in world.member_projects]
    seen = sorted((int(d.id) for d in in_projects if member_sees(world, records[int(d.contact_id)])), reverse=True)
    assert doc["total_count"] == len(seen)
    assert [d["id"] for d in doc["deals"]] == seen[offset:offset + 25]
    # The total from the deal counters; the page merged from its projects' streams, reading
    # about what it skips and shows divided by the share of them it sees, and a chunk's slack;
    # never a contact beyond its page's.
    assert entries_read(cost) <= (offset + 25) * len(in_projects) / len(seen) * 1.5 + 10, cost.line()
    assert cost.items("BatchGetItem", CRM) <= 3 * 25


@pytest.mark.parametrize("page", [1, 4])
@pytest.mark.parametrize("who", ["admin", "member"])
def test_ticket_lists_cost_their_page_and_counters(api, world, page, who):
    """A ticket list's total comes from the ticket counters of what the caller sees and its
    page from a lazy merge of the projects' streams: it reads about what it skips and shows
    (divided by the share of the tickets the caller sees), never every ticket."""
    from chalicelib.store.attached import tickets_of_projects
    key = world.admin_key if who == "admin" else world.member_key
    offset = (page - 1) * 25
    doc, cost = measured(api, f"/tickets.json?page={page}", key)
    records = {int(r.id): r for r in world.records}
    every = tickets_of_projects(world.project_ids)
    seen = [int(t.id) for t in every if who == "admin" or member_sees(world, records[int(t.contact_id)])]
    assert len(every) == TICKETS and seen == sorted(seen, reverse=True)
    assert doc["total_count"] == len(seen)
    assert [t["id"] for t in doc["tickets"]] == seen[offset:offset + 25]
    read = cost.items("Query", f"{CRM}/streams")
    assert read <= (offset + 25) * len(every) / len(seen) * 1.5 + 10, cost.line()
    # The counters: a few shards per project and contact bucket (and private owner).
    assert cost.items("Query", CRM) <= 4 * len(world.project_ids) * (buckets_holding(world) + 2), cost.line()
    assert cost.scans == 0 and cost.items("BatchGetItem", CRM) <= 2 * 25
