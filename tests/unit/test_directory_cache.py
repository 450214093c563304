"""The directory reads of authentication are remembered for DIRECTORY_CACHE_SECONDS per
container: what this container writes is seen at once, what another container writes after at
most that long, and nothing a handler changes on a record it read reaches the cache."""
import pytest

from chalicelib import config
from chalicelib.store import cache, meter
from chalicelib.store.directory import Lookup
from tests.conftest import _dynamodb_tables, body_json, written


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(config, "DIRECTORY_CACHE_SECONDS", 5.0)
    cache.forget()
    return now


def directory_reads(cost) -> int:
    table = config.DIRECTORY_TABLE
    return sum(cost.items(op, table) for op in ("GetItem", "Query", "BatchGetItem"))


def test_a_second_request_reads_no_directory(api, admin_key, clock):
    key = admin_key
    with meter.measure() as first:
        assert api.get("/projects.json", key=key).status_code == 200
    with meter.measure() as second:
        assert api.get("/projects.json", key=key).status_code == 200
    assert directory_reads(first) > 0
    assert second.operations.get("GetItem", 0) + second.operations.get("Query", 0) < \
        first.operations.get("GetItem", 0) + first.operations.get("Query", 0)


def test_this_containers_writes_are_seen_at_once(api, admin_key, people, clock):
    admin = admin_key
    assert api.get("/projects.json", key=admin).status_code == 200
    written(api.post("/projects.json", {"project": {"name": "Fresh", "identifier": "fresh"}}, key=admin))
    assert [p["identifier"] for p in body_json(api.get("/projects.json", key=admin))["projects"]] == ["fresh"]
    dev = people.user("dev")
    assert api.get("/users/current.json", key=people.key("dev")).status_code == 200
    written(api.put(f"/users/{dev.id}.json", {"user": {"status": 3}}, key=admin))     # locked
    assert api.get("/users/current.json", key=people.key("dev")).status_code == 401


def test_another_containers_revocation_shows_within_the_window(api, admin_key, clock):
    """A key deleted behind this container's back (straight in the store, no call of ours)
    keeps working until the window ends, then gets 401."""
    key = admin_key
    assert api.get("/users/current.json", key=key).status_code == 200
    from chalicelib.services.passwords import api_key_hash
    lookup = Lookup.get("api_key", api_key_hash(key))
    table = _dynamodb_tables()[config.DIRECTORY_TABLE]
    from moto.dynamodb.models.dynamo_type import DynamoType
    table.delete_item(DynamoType({"S": lookup.pk}), DynamoType({"S": lookup.sk}))
    clock[0] += 4.9
    assert api.get("/users/current.json", key=key).status_code == 200
    clock[0] += 0.2
    assert api.get("/users/current.json", key=key).status_code == 401


def test_callers_get_copies(admin_key, clock):
    from chalicelib.store import records
    first = records.all_roles()
    first[0].name = "Changed by a handler"
    assert records.all_roles()[0].name != "Changed by a handler"


def test_switched_off_it_reads_every_time(api, admin_key, monkeypatch):
    monkeypatch.setattr(config, "DIRECTORY_CACHE_SECONDS", 0.0)
    key = admin_key
    api.get("/projects.json", key=key)
    with meter.measure() as cost:
        api.get("/projects.json", key=key)
    assert directory_reads(cost) > 0 and cost.operations.get("GetItem", 0) >= 2
