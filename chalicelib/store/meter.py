"""The cost meter: counts DynamoDB calls, operations and items (and S3 calls) for whatever
runs inside `measure()`.

It hooks botocore's event system through BUILTIN_HANDLERS, so every botocore session created
after this module is imported (PynamoDB makes its own, per thread) reports to it. Meters nest:
a call is counted by every meter that is open in the current context.

Units come from one of two sources. On AWS (`reported`) the meter asks every call for
DynamoDB's own account (ReturnConsumedCapacity=INDEXES) and takes it: exact, GSI writes
included, and nothing to size. moto's account is a placeholder, so local runs, tests and
benchmarks size items by DynamoDB's rules (below), which the tests check against hand-computed
cases.
"""
import base64
import contextlib
import contextvars
import threading
from collections import Counter
from dataclasses import dataclass, field

from botocore.handlers import BUILTIN_HANDLERS

from chalicelib import config

# The meter must name the operation it exists to catch (single-quoted: the name alone, no call).
SCAN = 'Scan'
ITEM_LIST_OPERATIONS = ('Query', SCAN)
WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}

_lock = threading.Lock()     # reads may run on several threads of one request
_open_meters: contextvars.ContextVar = contextvars.ContextVar("open_cost_meters", default=())


READ_BLOCK, WRITE_BLOCK = 4096, 1024

# Whether DynamoDB's answers carry the units (see the module's first lines).
reported = config.DYNAMODB_REPORTS_CAPACITY
# The operations that can report what they consumed.
REPORTING = WRITE_OPERATIONS | set(ITEM_LIST_OPERATIONS) | {"GetItem", "BatchGetItem", "TransactGetItems"}

# Global secondary indexes by table: the attributes of the index key (an item having them all is
# in the index), the table's sort key and the prefixes of the sort keys of items that carry
# them (to tell from a key alone whether a delete or an update touches the index). The store
# registers its tables.
_indexes: dict = {}


def register_index(table: str, key_attributes: tuple, sort_key: str, sort_prefixes: tuple) -> None:
    _indexes[table] = (tuple(key_attributes), sort_key, tuple(sort_prefixes))


def note_index_key_changes(n: int) -> None:
    """Told by a writer that `n` of the indexed items it is about to put change their index
    key, which DynamoDB bills as a delete plus a put in the index: the request alone cannot
    show it (DynamoDB's own account, when it is `reported`, includes it)."""
    if reported:
        return
    for meter in _open_meters.get():
        meter.write_units += n
        meter.index_write_units += n


@dataclass
class CostMeter:
    calls: int = 0
    operations: Counter = field(default_factory=Counter)
    items_read: int = 0        # items returned to us
    items_scanned: int = 0     # items DynamoDB evaluated (Query/Scan ScannedCount)
    items_written: int = 0     # items put, updated or deleted
    read_units: float = 0.0    # by DynamoDB's rules: 4 KB blocks, ½ eventually consistent, 2× transactional
    write_units: float = 0.0   # 1 KB blocks, 2× transactional, index writes included
    index_write_units: float = 0.0   # the part of write_units that the index writes cost
    reads: Counter = field(default_factory=Counter)   # items returned, by "Operation table"

    def items(self, operation: str, table: str) -> int:
        """Items one kind of call returned from one table ("table/index" for a Query or Scan of
        an index)."""
        return self.reads.get(f"{operation} {table}", 0)

    @property
    def scans(self) -> int:
        return self.operations.get(SCAN, 0)

    def fields(self) -> dict:
        """The figures as a log record's fields."""
        return {"dynamodb_calls": self.calls, "operations": dict(sorted(self.operations.items())),
                "items_read": self.items_read, "items_scanned": self.items_scanned,
                "items_written": self.items_written, "rcu": round(self.read_units, 1),
                "wcu": round(self.write_units, 1)}

    def line(self) -> str:
        ops = " ".join(f"{name}={n}" for name, n in sorted(self.operations.items())) or "none"
        return (f"dynamodb calls={self.calls} [{ops}] items_read={self.items_read} "
                f"scanned={self.items_scanned} written={self.items_written} "
                f"rcu={self.read_units:g} wcu={self.write_units:g}")

    # ------------------------------------------------------------ writes, from the request

    def _before(self, operation: str, params: dict) -> None:
        self.calls += 1
        self.operations[operation] += 1
        if operation == "BatchWriteItem":
            for table, requests in params.get("RequestItems", {}).items():
                for request in requests:
                    if "PutRequest" in request:
                        self._write(table, "put", request["PutRequest"].get("Item"), 1)
                    else:
                        self._write(table, "delete", request.get("DeleteRequest", {}).get("Key"), 1)
        elif operation == "TransactWriteItems":
            for entry in params.get("TransactItems", []):
                (kind, request), = entry.items()
                if kind == "Put":
                    self._write(request.get("TableName", ""), "put", request.get("Item"), 2)
                else:
                    self._write(request.get("TableName", ""), kind.lower(), request.get("Key"), 2)
        elif operation == "PutItem":
            self._write(params.get("TableName", ""), "put", params.get("Item"), 1)
        elif operation in ("UpdateItem", "DeleteItem"):
            kind = "update" if operation == "UpdateItem" else "delete"
            self._write(params.get("TableName", ""), kind, params.get("Key"), 1, params)

    def _write(self, table: str, kind: str, item, factor: int, params=None) -> None:
        """One item written: its own units (the size of a put; a delete, an update or a
        condition check of an item whose size the request does not show counts one block),
        then its index write when it is or was in an index."""
        if kind == "conditioncheck":
            self.write_units += factor
            return
        self.items_written += 1
        units = write_blocks(item_size(item)) if kind == "put" else 1
        self.write_units += units * factor
        index = _indexes.get(table)
        if index is None:
            return
        key_attributes, sort_key, prefixes = index
        if kind == "put":
            indexed = all(name in (item or {}) for name in key_attributes)
        else:
            indexed = (item or {}).get(sort_key, {}).get("S", "").startswith(prefixes)
        if indexed:
            self.write_units += units
            self.index_write_units += units

    # ------------------------------------------------------------ reads, from the answer

    def _after(self, operation: str, parsed: dict, context: dict) -> None:
        """The items an answer holds, and its units: DynamoDB's own account when `reported`
        (for a write, in place of the estimate made before the call), else sized by the rules."""
        account = parsed.get("ConsumedCapacity") if reported else None
        if account is not None:
            units, index_units = consumed(account)
            if operation in WRITE_OPERATIONS:
                estimated, estimated_index = context.get("_cost_written", (0.0, 0.0))
                self.write_units += units - estimated
                self.index_write_units += index_units - estimated_index
                return
            self.read_units += units
        sized = account is None
        consistent = bool(context.get("_cost_consistent"))
        table = context.get("_cost_table", "")
        unit = 1.0 if consistent else 0.5
        if operation == "GetItem":
            item = parsed.get("Item")
            self._count(operation, table, 1 if item else 0)
            if sized:
                self.read_units += read_blocks(item_size(item)) * unit   # a miss costs one block too
        elif operation in ITEM_LIST_OPERATIONS:
            items = parsed.get("Items", [])
            index = context.get("_cost_index")
            self._count(operation, f"{table}/{index}" if index else table, parsed.get("Count", len(items)))
            self.items_scanned += parsed.get("ScannedCount", 0)
            if sized:
                # A Query or Scan is billed on the summed size of what it read, in 4 KB blocks.
                self.read_units += read_blocks(sum(item_size(item) for item in items)) * unit
        elif operation == "BatchGetItem":
            # Each key is billed as a GetItem of its table's consistency, a miss as one block.
            asked = context.get("_cost_batch", {})
            unprocessed = parsed.get("UnprocessedKeys", {}) or {}
            for name, (keys, batch_consistent) in asked.items():
                items = parsed.get("Responses", {}).get(name, [])
                self._count(operation, name, len(items))
                if sized:
                    missed = keys - len(unprocessed.get(name, {}).get("Keys", [])) - len(items)
                    blocks = sum(read_blocks(item_size(item)) for item in items) + max(0, missed)
                    self.read_units += blocks * (1.0 if batch_consistent else 0.5)
        elif operation == "TransactGetItems":
            items = [r.get("Item") for r in parsed.get("Responses", [])]
            self._count(operation, table, sum(1 for item in items if item))
            if sized:
                self.read_units += sum(read_blocks(item_size(item)) for item in items) * 2

    def _add_writes(self, other: "CostMeter") -> None:
        self.calls += other.calls
        self.operations.update(other.operations)
        self.items_written += other.items_written
        self.write_units += other.write_units
        self.index_write_units += other.index_write_units

    def _add_answer(self, other: "CostMeter") -> None:
        """What an answer showed: items read, read units, and (from DynamoDB's own account) the
        write units' correction."""
        self.items_read += other.items_read
        self.items_scanned += other.items_scanned
        self.read_units += other.read_units
        self.write_units += other.write_units
        self.index_write_units += other.index_write_units
        self.reads.update(other.reads)

    def _count(self, operation: str, table: str, n: int) -> None:
        self.items_read += n
        self.reads[f"{operation} {table}"] += n


def consumed(capacity) -> tuple:
    """(units, the global secondary indexes' part of them) of an answer's ConsumedCapacity: one
    table's account, or a list of them (batches, transactions)."""
    units = index_units = 0.0
    for account in capacity if isinstance(capacity, list) else [capacity]:
        units += float(account.get("CapacityUnits") or 0)
        index_units += sum(float(index.get("CapacityUnits") or 0)
                           for index in (account.get("GlobalSecondaryIndexes") or {}).values())
    return units, index_units


# ---------------------------------------------------------------- DynamoDB's sizing rules

def value_size(value: dict) -> int:
    """The size of one attribute value in DynamoDB's wire form ({"S": "..."}), by its rules:
    strings in UTF-8 bytes, numbers one byte per two significant digits plus one, binaries
    raw, booleans and nulls one byte, lists and maps 3 bytes plus one per element plus the
    elements (a map's keys counted like attribute names), sets the sum of their members."""
    (kind, raw), = value.items()
    if kind == "S":
        return _text_size(raw)
    if kind == "N":
        return number_size(raw)
    if kind == "B":
        return len(raw) if isinstance(raw, (bytes, bytearray)) else len(base64.b64decode(raw))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in raw)
    if kind == "M":
        return 3 + sum(1 + _text_size(k) + value_size(v) for k, v in raw.items())
    if kind == "SS":
        return sum(_text_size(v) for v in raw)
    if kind == "NS":
        return sum(number_size(v) for v in raw)
    if kind == "BS":
        return sum(value_size({"B": v}) for v in raw)
    raise ValueError(f"unknown attribute type {kind}")


def number_size(text: str) -> int:
    text = str(text)
    if text.isdigit():          # the usual case, an id or a count: its digits but trailing zeros
        digits = text.strip("0")
    else:
        digits = text.lstrip("+-").replace(".", "").split("e")[0].split("E")[0].strip("0")
    return (len(digits) + 1) // 2 + 1


def _text_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def item_size(item) -> int:
    """An item's size: the UTF-8 bytes of its attribute names plus the sizes of their values
    (strings and numbers, most of what items hold, sized here without a call per value)."""
    if not item:
        return 0
    total = 0
    for name, value in item.items():
        total += len(name) if name.isascii() else len(name.encode("utf-8"))
        raw = value.get("S")
        if raw is not None:
            total += len(raw) if raw.isascii() else len(raw.encode("utf-8"))
            continue
        raw = value.get("N")
        if raw is not None:
            total += number_size(raw)
            continue
        raw = value.get("L")
        if raw is not None:         # a list: 3 bytes, and one more per element beside its size
            total += 3 + len(raw)
            for element in raw:
                text = element.get("S")
                if text is not None:
                    total += len(text) if text.isascii() else len(text.encode("utf-8"))
                    continue
                text = element.get("N")
                total += number_size(text) if text is not None else value_size(element)
            continue
        total += 1 if "BOOL" in value or "NULL" in value else value_size(value)
    return total


def read_blocks(size: int) -> int:
    return max(1, -(-size // READ_BLOCK))


def write_blocks(size: int) -> int:
    return max(1, -(-size // WRITE_BLOCK))


@contextlib.contextmanager
def measure():
    meter = CostMeter()
    token = _open_meters.set(_open_meters.get() + (meter,))
    try:
        yield meter
    finally:
        _open_meters.reset(token)


def _operation_name(model) -> str:
    """DynamoDB operations by their bare name, others prefixed with their service ("s3:PutObject")."""
    service = model.service_model.endpoint_prefix
    return model.name if service == "dynamodb" else f"{service}:{model.name}"


def _before_call(params=None, model=None, context=None, **_):
    # before-parameter-build sees the API parameters (items to write, ConsistentRead).
    meters = _open_meters.get()
    if not meters or model is None:
        return
    if model.service_model.endpoint_prefix != "dynamodb":
        with _lock:
            for meter in meters:
                meter.calls += 1
                meter.operations[_operation_name(model)] += 1
        return
    if reported and model.name in REPORTING and params is not None:
        params["ReturnConsumedCapacity"] = "INDEXES"
    written = CostMeter()
    written._before(model.name, params or {})
    if context is not None:
        params = params or {}
        context["_cost_written"] = (written.write_units, written.index_write_units)
        context["_cost_consistent"] = bool(params.get("ConsistentRead"))
        context["_cost_table"] = params.get("TableName", "")
        context["_cost_index"] = params.get("IndexName")
        if model.name == "BatchGetItem":
            context["_cost_batch"] = {name: (len(request.get("Keys", [])), bool(request.get("ConsistentRead")))
                                      for name, request in params.get("RequestItems", {}).items()}
    with _lock:
        for meter in meters:
            meter._add_writes(written)


def _after_call(parsed=None, model=None, context=None, **_):
    meters = _open_meters.get()
    if not meters or model is None or not isinstance(parsed, dict):
        return
    if model.service_model.endpoint_prefix != "dynamodb":
        return
    with _lock:
        if len(meters) == 1:
            meters[0]._after(model.name, parsed, context or {})
            return
        # Meters inside meters (a request's own, and a test's around it): the answer is read once.
        read = CostMeter()
        read._after(model.name, parsed, context or {})
        for meter in meters:
            meter._add_answer(read)


def _install() -> None:
    for entry in (("before-parameter-build.dynamodb", _before_call), ("after-call.dynamodb", _after_call),
                  ("before-parameter-build.s3", _before_call)):
        if entry not in BUILTIN_HANDLERS:
            BUILTIN_HANDLERS.append(entry)


_install()
