"""Shared store operations: sequential ids, transactions, table creation and the
classification of backend failures."""
import contextlib
import contextvars
import datetime

from botocore.exceptions import ClientError, ConnectionError as BotoConnectionError
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite


from .crm import EXPIRY_ATTRIBUTE, CrmItem
from .directory import DirectoryItem, Sequence
from .settings import shared_connection

# Error codes that mean "try again later", never "your request is wrong" (DynamoDB's, then S3's).
_RETRYABLE_CODES = {
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "TransactionConflictException",
    "TransactionInProgressException",
    "SlowDown", "InternalError", "RequestTimeout", "503",
}

def connection() -> Connection:
    """The one low-level connection of the container, shared by models and transactions."""
    return shared_connection()


def transaction() -> TransactWrite:
    return TransactWrite(connection=connection())


def now() -> str:
    """The current time as stored and rendered: UTC, whole seconds."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_kept_ids = contextvars.ContextVar("kept_ids", default=None)


@contextlib.contextmanager
def keeping_id(kind: str, wanted: int):
    """Within the block, the next id of `kind` taken is `wanted` (an import that keeps the
    source's ids), and the sequence moves past it so later ids never meet it."""
    token = _kept_ids.set({kind: int(wanted)})
    try:
        yield
    finally:
        _kept_ids.reset(token)


def advance_sequence(kind: str, at_least: int) -> None:
    """The sequence of `kind` at `at_least` or beyond (one conditional UpdateItem)."""
    counter = Sequence("sequence", kind)
    try:
        counter.update(actions=[Sequence.value.set(int(at_least)), Sequence.kind.set(Sequence)],
                       condition=Sequence.value.does_not_exist() | (Sequence.value < int(at_least)))
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def next_id(kind: str) -> int:
    """Take the next sequential id of a kind with one atomic UpdateItem."""
    kept = _kept_ids.get()
    if kept and kind in kept:
        wanted = kept.pop(kind)
        advance_sequence(kind, wanted)
        return wanted
    counter = Sequence("sequence", kind)
    counter.update(actions=[Sequence.value.add(1), Sequence.kind.set(Sequence)])
    return int(counter.value)


def fetch(model, item_id):
    """The item of `model` (which has key(id)) with that id, read consistently, or None."""
    try:
        return model.get(*model.key(item_id), consistent_read=True)
    except model.DoesNotExist:
        return None


def fetch_many(model, item_ids) -> dict:
    """Items of `model` by id with BatchGetItem (100 keys a call)."""
    keys = [model.key(i) for i in dict.fromkeys(int(i) for i in item_ids)]
    return {int(item.id): item for item in model.batch_get(keys)} if keys else {}


def reserve_ids(kind: str, count: int) -> range:
    """Take `count` consecutive ids of a kind at once (bulk loads)."""
    counter = Sequence("sequence", kind)
    counter.update(actions=[Sequence.value.add(count), Sequence.kind.set(Sequence)])
    last = int(counter.value)
    return range(last - count + 1, last + 1)


def cancellation_codes(error: TransactWriteError) -> list:
    """The per-item reasons of a cancelled transaction ("ConditionalCheckFailed", "None", ...)."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    return [(reason.code if reason is not None else "None") for reason in reasons]


def is_backend_unavailable(error: BaseException) -> bool:
    """True for throttling, conflicts and outages: answered 503 with Retry-After."""
    if isinstance(error, BotoConnectionError):
        return True
    cause = error
    if isinstance(error, PynamoDBException):
        if isinstance(error, TransactWriteError):
            codes = cancellation_codes(error)
            if any(code in ("TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded")
                   for code in codes):
                return True
        cause = error.cause
        if isinstance(cause, BotoConnectionError):
            return True
    if isinstance(cause, ClientError):
        return cause.response.get("Error", {}).get("Code") in _RETRYABLE_CODES
    return False


def table_models() -> list:
    """The models whose tables the service needs, one per table."""
    return [DirectoryItem, CrmItem]


def expiry_attribute(model):
    """The attribute DynamoDB's TTL deletes items by, in this model's table (or None)."""
    return EXPIRY_ATTRIBUTE if model is CrmItem else None


def create_tables(wait: bool = True) -> list:
    """Create every missing table; returns the names created."""
    created = []
    for model in table_models():
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=wait)
            if expiry_attribute(model):
                model._get_connection().update_time_to_live(expiry_attribute(model))
            created.append(model.Meta.table_name)
    return created


def rewrite(batch, expected: list, stored: dict) -> int:
    """Through `batch`, put the expected items (index entries) that `stored` ({sk: item}) lacks
    or holds otherwise, and delete the stored ones not expected; returns how many changed."""
    wanted = {item.sk: item for item in expected}
    changed = 0
    for sk, item in wanted.items():
        if sk not in stored or stored[sk].serialize() != item.serialize():
            batch.save(item)
            changed += 1
    for sk in stored.keys() - wanted.keys():
        batch.delete(stored[sk])
        changed += 1
    return changed
