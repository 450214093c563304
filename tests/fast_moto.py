"""Tests only: moto's DynamoDB answers written with json.dumps instead of its generic
shape-driven serializer, which costs ~4 ms a call and dominated the suite's time.

DynamoDB's wire format is JSON whose shape is the result moto already builds, so the only
work left is dropping empty members (the serializer skips None). Anything that is not plain
JSON (timestamps of DescribeTable, errors) goes through moto's own serializer. `FAST_MOTO=0`
runs the suite without this, to show that the answers are the same.
"""
import inspect
import json
import os
import threading

from moto.dynamodb.responses import DynamoHandler

JSON_TYPE = "application/x-amz-json-1.0"


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(type(value).__name__)


def install() -> bool:
    if os.environ.get("FAST_MOTO", "1") == "0" or getattr(DynamoHandler, "_fast_json", False):
        return False
    original = DynamoHandler.serialized

    def serialized(self, action_result):
        result = action_result.result
        if isinstance(result, dict):
            try:
                body = json.dumps(_plain(result))
            except TypeError:
                return original(self, action_result)
            headers = dict(self.response_headers)
            headers["Content-Type"] = JSON_TYPE
            return 200, headers, body
        return original(self, action_result)

    DynamoHandler.serialized = serialized
    DynamoHandler._fast_json = True
    return True


# ------------------------------------------------------------------ Queries by key
#
# moto answers every Query by walking the whole table (and, on an index, sorting what matched),
# so a paged read of one stream costs what the table holds, page after page. Here a Query reads
# only its partition: a table Query the partition's own items, an index Query a map from the
# index's hash value to its items, built once after each write (any call that may change
# items moves a generation on, and a map of an older generation is built again). Which items
# match, their order, paging and filters stay moto's own: only the walk is shortened.

_generation = [0]
_candidates = threading.local()
WRITES = ("put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items",
          "create_table", "delete_table", "update_table")


def _moved_on(method):
    def wrapper(*args, **kwargs):
        _generation[0] += 1
        try:
            return method(*args, **kwargs)
        finally:
            _generation[0] += 1
    wrapper.__wrapped__ = method
    return wrapper


def _key(value):
    return (value.type, str(value.value)) if value is not None else None


def _index_map(table, attribute: str) -> dict:
    cached = getattr(table, "_fast_index_maps", None)
    if cached is None or cached[0] != _generation[0]:
        cached = (_generation[0], {})
        table._fast_index_maps = cached
    maps = cached[1]
    if attribute not in maps:
        by_value = {}
        for item in table.all_items():
            key = _key(item.attrs.get(attribute))
            if key is not None:
                by_value.setdefault(key, []).append(item)
        maps[attribute] = by_value
    return maps[attribute]


def install_query_by_key() -> bool:
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    if os.environ.get("FAST_MOTO", "1") == "0" or getattr(Table, "_fast_query", False):
        return False
    for name in WRITES:
        setattr(DynamoHandler, name, _moved_on(getattr(DynamoHandler, name)))
    for name in ("put_item", "delete_item"):
        setattr(Table, name, _moved_on(getattr(Table, name)))
    for name in ("update_item", "transact_write_items", "batch_write_item"):
        if hasattr(DynamoDBBackend, name):
            setattr(DynamoDBBackend, name, _moved_on(getattr(DynamoDBBackend, name)))
    original_all_items, original_query = Table.all_items, Table.query

    def all_items(self):
        only = getattr(_candidates, "items", None)
        if only is not None and only[0] is self:
            return list(only[1])
        return original_all_items(self)

    signature = inspect.signature(original_query)

    def query(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        self, hash_key = bound.arguments["self"], bound.arguments.get("hash_key")
        index_name = bound.arguments.get("index_name")
        hash_key_conditions = bound.arguments.get("hash_key_conditions")
        if index_name and hash_key_conditions and len(hash_key_conditions) == 1:
            attribute, value = hash_key_conditions[0]
            items = _index_map(self, attribute).get(_key(value), [])
        elif not index_name and hash_key is not None:
            items = list(self.items.get(hash_key, {}).values()) if self.range_key_attr else \
                [item for item in [self.items.get(hash_key)] if item is not None]
        else:
            items = None
        previous = getattr(_candidates, "items", None)
        _candidates.items = None if items is None else (self, items)
        try:
            return original_query(*args, **kwargs)
        finally:
            _candidates.items = previous

    Table.all_items, Table.query = all_items, query
    Table._fast_query = True
    return True
