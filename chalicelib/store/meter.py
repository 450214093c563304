"""The cost meter: counts DynamoDB calls, operations and items (and S3 calls) for whatever
runs inside `measure()`.

It hooks botocore's event system through BUILTIN_HANDLERS, so every botocore session created
after this module is imported (PynamoDB makes its own, per thread) reports to it. Meters nest:
a call is counted by every meter that is open in the current context.
"""
import contextlib
import contextvars
from collections import Counter
from dataclasses import dataclass, field

from botocore.handlers import BUILTIN_HANDLERS

# The meter must name the operation it exists to catch (single-quoted: the name alone, no call).
SCAN = 'Scan'
ITEM_LIST_OPERATIONS = ('Query', SCAN)
WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}

_open_meters: contextvars.ContextVar = contextvars.ContextVar("open_cost_meters", default=())


@dataclass
class CostMeter:
    calls: int = 0
    operations: Counter = field(default_factory=Counter)
    items_read: int = 0        # items returned to us
    items_scanned: int = 0     # items DynamoDB evaluated (Query/Scan ScannedCount)
    items_written: int = 0     # items put, updated or deleted
    read_units: float = 0.0    # estimated: 0.5 per eventually, 1 per strongly consistent 4 KB read
    write_units: float = 0.0   # estimated: 1 per item written (2 inside a transaction)
    reads: Counter = field(default_factory=Counter)   # items returned, by "Operation table"

    def items(self, operation: str, table: str) -> int:
        """Items one kind of call returned from one table."""
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
                f"rcu~{self.read_units:g} wcu~{self.write_units:g}")

    def _before(self, operation: str, params: dict) -> None:
        self.calls += 1
        self.operations[operation] += 1
        if operation == "BatchWriteItem":
            n = sum(len(v) for v in params.get("RequestItems", {}).values())
            self.items_written += n
            self.write_units += n
        elif operation == "TransactWriteItems":
            n = len(params.get("TransactItems", []))
            self.items_written += n
            self.write_units += 2 * n
        elif operation in WRITE_OPERATIONS:
            self.items_written += 1
            self.write_units += 1

    def _after(self, operation: str, parsed: dict, consistent: bool, table: str) -> None:
        unit = 1.0 if consistent else 0.5
        if operation == "GetItem":
            item = parsed.get("Item")
            self._count(operation, table, 1 if item else 0)
            self.read_units += _blocks(_size(item)) * unit
        elif operation in ITEM_LIST_OPERATIONS:
            items = parsed.get("Items", [])
            self._count(operation, table, parsed.get("Count", len(items)))
            self.items_scanned += parsed.get("ScannedCount", 0)
            # A Query is billed on the summed size of what it read, in 4 KB blocks.
            self.read_units += _blocks(sum(_size(item) for item in items)) * unit
        elif operation == "BatchGetItem":
            for name, items in parsed.get("Responses", {}).items():
                self._count(operation, name, len(items))
                self.read_units += sum(_blocks(_size(item)) for item in items) * unit
        elif operation == "TransactGetItems":
            items = [r.get("Item") for r in parsed.get("Responses", [])]
            self._count(operation, table, len(items))
            self.read_units += sum(_blocks(_size(item)) for item in items) * 2

    def _count(self, operation: str, table: str, n: int) -> None:
        self.items_read += n
        self.reads[f"{operation} {table}"] += n


def _size(item) -> int:
    """Rough size of an item as DynamoDB bills it: names plus values."""
    if not item:
        return 0
    return len(repr(item))


def _blocks(size: int) -> int:
    return max(1, -(-size // 4096))


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
        for meter in meters:
            meter.calls += 1
            meter.operations[_operation_name(model)] += 1
        return
    if context is not None:
        context["_cost_consistent"] = bool((params or {}).get("ConsistentRead"))
        context["_cost_table"] = (params or {}).get("TableName", "")
    for meter in meters:
        meter._before(model.name, params or {})


def _after_call(parsed=None, model=None, context=None, **_):
    meters = _open_meters.get()
    if not meters or model is None or not isinstance(parsed, dict):
        return
    if model.service_model.endpoint_prefix != "dynamodb":
        return
    consistent = bool((context or {}).get("_cost_consistent"))
    table = (context or {}).get("_cost_table", "")
    for meter in meters:
        meter._after(model.name, parsed, consistent, table)


def _install() -> None:
    for entry in (("before-parameter-build.dynamodb", _before_call), ("after-call.dynamodb", _after_call),
                  ("before-parameter-build.s3", _before_call)):
        if entry not in BUILTIN_HANDLERS:
            BUILTIN_HANDLERS.append(entry)


_install()
