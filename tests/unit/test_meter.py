"""The cost meter counts what DynamoDB was asked and what it returned."""
from chalicelib.store import meter
from chalicelib.store.directory import Lookup, UserRecord
from chalicelib.store.operations import next_id, transaction


def test_counts_calls_operations_items_and_writes():
    with meter.measure() as outer:
        next_id("thing")
        with transaction() as tx:
            tx.save(Lookup("login", "a", target=1))
            tx.save(Lookup("login", "b", target=2))
        with meter.measure() as inner:
            assert len(list(Lookup.query("login", consistent_read=True))) == 2
            Lookup.get("login", "a")
            assert list(UserRecord.batch_get([UserRecord.key(1)])) == []
    assert inner.calls == 3
    assert dict(inner.operations) == {"Query": 1, "GetItem": 1, "BatchGetItem": 1}
    assert (inner.items_read, inner.items_scanned, inner.items_written) == (3, 2, 0)
    assert outer.calls == 5
    assert outer.items_written == 3
    assert outer.scans == 0
    assert "calls=5" in outer.line() and "TransactWriteItems=1" in outer.line()


def test_nothing_is_counted_outside_a_measurement():
    Lookup("login", "c", target=3).save()
    with meter.measure() as cost:
        pass
    assert cost.calls == 0
