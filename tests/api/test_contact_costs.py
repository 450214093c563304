"""What lists and shows cost on 2,000 contacts, measured with the cost meter: no Scan, a page
fetches at most its own contact items, and index reads grow with offset + limit (admin, one
stream) or with the streams a caller may see, never with the table."""
import moto
import pytest

from chalicelib.store import meter
from chalicelib.store.crm import CrmItem, StreamCounter
from tests.conftest import Api, body_json

CONTACTS = 2000
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
        yield sample.build(CONTACTS)


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
    return cost.items("Query", CRM)


@pytest.mark.parametrize("kind", ["all", "project", "tag", "assignee"])
@pytest.mark.parametrize("page", [1, 10])
def test_admin_pages_read_entries_bounded_by_offset_plus_limit(api, world, kind, page):
    stream, query = {
        "all": ("all", ""),
        "project": (f"project#{world.project_ids[0]}", f"project_id={world.project_ids[0]}&"),
        "tag": (f"tag#{world.tags[0]}", f"tags={world.tags[0]}&"),
        "assignee": (f"assignee#{world.assignee_ids[0]}", f"assigned_to_id={world.assignee_ids[0]}&"),
    }[kind]
    doc, cost = measured(api, f"/contacts.json?{query}page={page}", world.admin_key)
    offset = (page - 1) * 25
    assert doc["total_count"] == world.stream_sizes[stream]
    assert len(doc["contacts"]) == max(0, min(25, world.stream_sizes[stream] - offset))
    assert cost.scans == 0
    assert cost.items("BatchGetItem", CRM) <= 25
    assert entries_read(cost) <= offset + 25 + StreamCounter.SHARDS


def test_member_lists_read_only_the_streams_it_may_see(api, world):
    doc, cost = measured(api, "/contacts.json", world.member_key)
    streams = [f"project#{p}" for p in world.member_projects] + ["public"]
    bound = sum(world.stream_sizes.get(s, 0) for s in streams)
    assert cost.scans == 0
    assert entries_read(cost) <= bound < CONTACTS * 2
    assert cost.items("BatchGetItem", CRM) <= 25
    doc, cost = measured(api, f"/contacts.json?project_id={world.project_ids[0]}&page=10", world.member_key)
    assert entries_read(cost) <= world.stream_sizes[f"project#{world.project_ids[0]}"]
    assert cost.scans == 0


@pytest.mark.parametrize("word, rare", [("zyxwvut", True), ("smith", False)])
def test_search_counts_exactly_without_scans(api, world, word, rare):
    doc, cost = measured(api, f"/contacts.json?search={word}", world.admin_key)
    assert cost.scans == 0
    assert (doc["total_count"] == 1) if rare else (doc["total_count"] > 25)
    assert cost.items("BatchGetItem", CRM) <= 25


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
