"""The cost meter counts what DynamoDB was asked and what it returned."""
from hypothesis import given, settings, strategies as st

from chalicelib import config
from chalicelib.store import meter
from chalicelib.store.crm import CrmItem
from chalicelib.store.directory import Lookup, UserRecord
from chalicelib.store.operations import next_id, transaction

CRM, DIRECTORY = CrmItem.Meta.table_name, UserRecord.Meta.table_name


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


# ---------------------------------------------------------------- DynamoDB's sizing rules, by hand

def _client():
    import botocore.session
    return botocore.session.get_session().create_client("dynamodb", region_name=config.REGION)


def _padded(pk: str, sk: str, size: int, **extra) -> dict:
    """An item of exactly `size` bytes by DynamoDB's rules (names + values)."""
    item = {"pk": {"S": pk}, "sk": {"S": sk}, **extra}
    pad = size - meter.item_size(item) - len("pad")
    item["pad"] = {"S": "x" * pad}
    assert meter.item_size(item) == size
    return item


def test_item_sizes_follow_dynamodbs_rules():
    item = {"pk": {"S": "contact#1"},                         # 2 + 9
            "n": {"N": "123.450"},                            # 1 + 4: five significant digits → 3 + 1
            "b": {"BOOL": True},                              # 1 + 1
            "l": {"L": [{"S": "ab"}, {"N": "7"}]},            # 1 + 3 + (1 + 2) + (1 + 2)
            "m": {"M": {"k": {"S": "é"}}},                    # 1 + 3 + (1 + 1 + 2)
            "z": {"NULL": True},                              # 1 + 1
            "t": {"SS": ["a", "bc"]}}                         # 1 + 3
    assert meter.item_size(item) == 11 + 5 + 2 + 10 + 8 + 2 + 4
    assert meter.number_size("-0.000120") == 2 and meter.number_size("1000") == 2
    assert meter.item_size({"name": {"S": "Зоя"}}) == 4 + 6


def _by_the_rules(value: dict) -> int:
    """DynamoDB's sizing written out plainly, to check the meter's quicker paths against."""
    (kind, raw), = value.items()
    if kind == "S":
        return len(raw.encode("utf-8"))
    if kind == "N":
        digits = raw.lstrip("+-").replace(".", "").split("e")[0].split("E")[0].strip("0")
        return (len(digits) + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + _by_the_rules(v) for v in raw)
    return 3 + sum(1 + len(k.encode("utf-8")) + _by_the_rules(v) for k, v in raw.items())


_texts = st.text(max_size=20)
_values = st.recursive(
    st.one_of(_texts.map(lambda t: {"S": t}), st.booleans().map(lambda b: {"BOOL": b}),
              st.just({"NULL": True}),
              st.integers(-10 ** 12, 10 ** 12).map(lambda n: {"N": str(n)}),
              st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: {"N": str(d)})),
    lambda inner: st.one_of(st.lists(inner, max_size=4).map(lambda v: {"L": v}),
                            st.dictionaries(_texts, inner, max_size=4).map(lambda v: {"M": v})),
    max_leaves=12)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(item=st.dictionaries(st.text(min_size=1, max_size=10), _values, max_size=8))
def test_item_sizes_equal_the_rules_written_out(item):
    assert meter.item_size(item) == sum(len(k.encode("utf-8")) + _by_the_rules(v) for k, v in item.items())


def test_reads_are_charged_in_4_kb_blocks_by_consistency_misses_included():
    client = _client()
    client.put_item(TableName=CRM, Item=_padded("meter#1", "big", 5000))
    client.put_item(TableName=CRM, Item=_padded("meter#1", "small", 1500))
    client.put_item(TableName=CRM, Item=_padded("meter#1", "small2", 1500))
    key = {"pk": {"S": "meter#1"}, "sk": {"S": "big"}}
    missing = {"pk": {"S": "meter#1"}, "sk": {"S": "nothing"}}
    cases = [
        (lambda: client.get_item(TableName=CRM, Key=key, ConsistentRead=True), 2.0),      # 5000 B: 2 blocks
        (lambda: client.get_item(TableName=CRM, Key=key), 1.0),                            # eventually: half
        (lambda: client.get_item(TableName=CRM, Key=missing, ConsistentRead=True), 1.0),   # a miss: one block
        # A Query sums its items before rounding: 5000 + 1500 + 1500 B = 2 blocks, eventually consistent.
        (lambda: client.query(TableName=CRM, KeyConditionExpression="pk = :p",
                              ExpressionAttributeValues={":p": {"S": "meter#1"}}), 1.0),
        (lambda: client.query(TableName=CRM, KeyConditionExpression="pk = :p",
                              ExpressionAttributeValues={":p": {"S": "meter#none"}}, ConsistentRead=True), 1.0),
        # BatchGetItem: each key on its own, at its table's consistency; 2 + 1 blocks + 1 miss.
        (lambda: client.batch_get_item(RequestItems={CRM: {"Keys": [
            key, {"pk": {"S": "meter#1"}, "sk": {"S": "small"}}, missing], "ConsistentRead": True}}), 4.0),
        (lambda: client.batch_get_item(RequestItems={CRM: {"Keys": [key, missing]}}), 1.5),
        # TransactGetItems: twice a strongly consistent read.
        (lambda: client.transact_get_items(TransactItems=[{"Get": {"TableName": CRM, "Key": key}}]), 4.0),
    ]
    for call, units in cases:
        with meter.measure() as cost:
            call()
        assert cost.read_units == units, (cost.line(), units)
        assert cost.write_units == 0


def test_writes_are_charged_in_1_kb_blocks_with_their_index_writes():
    client = _client()
    entry = _padded("contact#7", "entry#all", 300, stream={"S": "all"}, order={"S": "a"})
    cases = [
        (lambda: client.put_item(TableName=CRM, Item=_padded("meter#2", "x", 1500)), 2, 0),
        (lambda: client.put_item(TableName=DIRECTORY, Item=_padded("meter#2", "x", 1024)), 1, 0),
        # An item of the streams index: its own write and one in the index.
        (lambda: client.put_item(TableName=CRM, Item=entry), 2, 1),
        (lambda: client.delete_item(TableName=CRM, Key={"pk": {"S": "contact#7"}, "sk": {"S": "entry#all"}}), 2, 1),
        (lambda: client.delete_item(TableName=CRM, Key={"pk": {"S": "meter#2"}, "sk": {"S": "x"}}), 1, 0),
        # A transaction doubles the table's writes, not the index's: a 2000 B put (2 × 2), an
        # entry (1 × 2 + 1), an entry's delete (1 × 2 + 1) and a counter's update (1 × 2).
        (lambda: client.transact_write_items(TransactItems=[
            {"Put": {"TableName": CRM, "Item": _padded("meter#3", "contact", 2000)}},
            {"Put": {"TableName": CRM, "Item": entry}},
            {"Delete": {"TableName": CRM, "Key": {"pk": {"S": "contact#8"}, "sk": {"S": "entry#x"}}}},
            {"Update": {"TableName": CRM, "Key": {"pk": {"S": "counter#all"}, "sk": {"S": "0"}},
                        "UpdateExpression": "ADD #c :one", "ExpressionAttributeNames": {"#c": "count"},
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}]), 12, 2),
        (lambda: client.batch_write_item(RequestItems={CRM: [
            {"PutRequest": {"Item": _padded("meter#4", "a", 2049)}},
            {"PutRequest": {"Item": entry}}]}), 3 + 2, 1),
    ]
    for call, units, index_units in cases:
        with meter.measure() as cost:
            call()
        assert (cost.write_units, cost.index_write_units) == (units, index_units), cost.line()
        assert cost.read_units == 0


def test_a_writer_tells_the_meter_of_index_keys_that_move():
    with meter.measure() as cost:
        meter.note_index_key_changes(3)
    assert (cost.write_units, cost.index_write_units) == (3, 3)


def test_every_model_and_transaction_speaks_through_one_connection():
    """One botocore session and one DynamoDB client per container, whatever a request touches."""
    from chalicelib.store import crm, directory, files
    from chalicelib.store.operations import connection
    from chalicelib.store.settings import shared_connection
    models = [cls for module in (crm, directory, files) for cls in vars(module).values()
              if isinstance(cls, type) and issubclass(cls, (crm.CrmItem, directory.DirectoryItem))]
    assert len(models) > 20
    assert {id(cls._get_connection().connection) for cls in models} == {id(shared_connection())}
    assert connection() is shared_connection()
    assert list(crm.ContactIndexEntry.streams.query("nothing")) == []   # the index is known to it
    assert shared_connection().client is shared_connection().client


# ---------------------------------------------------------------- DynamoDB's own account, on AWS

def _stubbed(asked: list = None):
    """A client whose answers are stubbed; `asked` gets the parameters of every call it makes,
    as the meter leaves them."""
    from botocore.stub import Stubber
    client = _client()
    if asked is not None:
        client.meta.events.register_last("before-parameter-build",
                                          lambda params, **_: asked.append(dict(params)))
    return client, Stubber(client)


def test_on_aws_the_meter_takes_dynamodbs_own_account(monkeypatch):
    monkeypatch.setattr(meter, "reported", True)
    asked = []
    client, stub = _stubbed(asked)
    entry = _padded("contact#7", "entry#all", 300, stream={"S": "all"}, order={"S": "a"})
    stub.add_response("query", {"Items": [entry, entry], "Count": 2, "ScannedCount": 3, "ConsumedCapacity": {
        "TableName": CRM, "CapacityUnits": 12.5, "GlobalSecondaryIndexes": {"streams": {"CapacityUnits": 12.5}}}},
        {"TableName": CRM, "IndexName": "streams", "KeyConditionExpression": "stream = :s",
         "ExpressionAttributeValues": {":s": {"S": "all"}}})
    stub.add_response("batch_get_item", {"Responses": {CRM: [entry]}, "ConsumedCapacity": [
        {"TableName": CRM, "CapacityUnits": 1.5}, {"TableName": DIRECTORY, "CapacityUnits": 0.5}]},
        {"RequestItems": {CRM: {"Keys": [{"pk": {"S": "contact#7"}, "sk": {"S": "entry#all"}}]},
                          DIRECTORY: {"Keys": [{"pk": {"S": "user#1"}, "sk": {"S": "user"}}]}}})
    # Rules would say 2 × 1 + 2 × 1 + 1 here; DynamoDB's account is what counts.
    stub.add_response("transact_write_items", {"ConsumedCapacity": [{
        "TableName": CRM, "CapacityUnits": 9.0, "GlobalSecondaryIndexes": {"streams": {"CapacityUnits": 2.0}}}]},
        {"TransactItems": [{"Put": {"TableName": CRM, "Item": entry}},
                           {"Put": {"TableName": CRM, "Item": _padded("meter#3", "contact", 900)}}]})
    with stub, meter.measure() as outer:
        with meter.measure() as cost:
            client.query(TableName=CRM, IndexName="streams", KeyConditionExpression="stream = :s",
                         ExpressionAttributeValues={":s": {"S": "all"}})
            client.batch_get_item(RequestItems={
                CRM: {"Keys": [{"pk": {"S": "contact#7"}, "sk": {"S": "entry#all"}}]},
                DIRECTORY: {"Keys": [{"pk": {"S": "user#1"}, "sk": {"S": "user"}}]}})
            client.transact_write_items(TransactItems=[{"Put": {"TableName": CRM, "Item": entry}},
                                                       {"Put": {"TableName": CRM, "Item": _padded("meter#3", "contact", 900)}}])
            meter.note_index_key_changes(3)     # DynamoDB's account has it already
    for each in (cost, outer):
        assert (each.read_units, each.write_units, each.index_write_units) == (14.5, 9.0, 2.0), each.line()
        assert (each.items_read, each.items_scanned, each.items_written, each.calls) == (3, 3, 2, 3)
        assert each.items("Query", f"{CRM}/streams") == 2 and each.items("BatchGetItem", DIRECTORY) == 0
    assert "items_read=3" in cost.line() and "rcu=14.5 wcu=9" in cost.line()
    assert [body.get("ReturnConsumedCapacity") for body in asked] == ["INDEXES"] * 3


def test_on_aws_a_write_refused_keeps_the_estimate_by_the_rules(monkeypatch):
    monkeypatch.setattr(meter, "reported", True)
    client, stub = _stubbed()
    stub.add_client_error("put_item", "ConditionalCheckFailedException", expected_params={
        "TableName": CRM, "Item": _padded("meter#5", "x", 1500), "ConditionExpression": "attribute_not_exists(pk)"})
    with stub, meter.measure() as cost:
        try:
            client.put_item(TableName=CRM, Item=_padded("meter#5", "x", 1500),
                            ConditionExpression="attribute_not_exists(pk)")
        except client.exceptions.ConditionalCheckFailedException:
            pass
    assert (cost.write_units, cost.items_written) == (2, 1), cost.line()


def test_off_aws_the_meter_asks_dynamodb_for_no_account():
    assert meter.reported is False      # tests run on moto, whose account is a placeholder
    asked = []
    client, stub = _stubbed(asked)
    stub.add_response("get_item", {"Item": _padded("meter#6", "x", 5000), "ConsumedCapacity": {
        "TableName": CRM, "CapacityUnits": 99.0}}, {"TableName": CRM, "Key": {"pk": {"S": "meter#6"}, "sk": {"S": "x"}}})
    with stub, meter.measure() as cost:
        client.get_item(TableName=CRM, Key={"pk": {"S": "meter#6"}, "sk": {"S": "x"}})
    assert cost.read_units == 1.0, cost.line()      # 5000 B, eventually consistent: 2 blocks × ½
    assert "ReturnConsumedCapacity" not in asked[0]
