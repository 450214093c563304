"""Records with unique values (a user's login and mail, a project's identifier, a role's name,
a web form's key, one membership per user and project): each unique value is a Lookup item
("<kind>", value) pointing at its record, written in the record's transaction on the condition
that no other record holds it. A value already held raises Taken with the kinds at fault.

Services say what they mean (insert, replace, remove) and never see a transaction.
"""
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from .directory import DirectoryItem
from .operations import cancellation_codes, connection
from .records import lookup_item


class Taken(Exception):
    """Unique values another record already holds, by lookup kind (for a plain new record
    whose own key exists: the kind "record")."""

    def __init__(self, kinds):
        self.kinds = list(kinds)
        super().__init__(", ".join(self.kinds))


def _absent():
    return DirectoryItem.pk.does_not_exist()


def _failed(error: TransactWriteError, kinds: list, offset: int = 0) -> list:
    """The kinds (listed in the order their items were put, after `offset` deletes) whose
    condition failed."""
    codes = cancellation_codes(error)[offset:]
    return [kind for kind, code in zip(kinds, codes, strict=False) if code == "ConditionalCheckFailed"]


def insert(record, lookups=(), copies=()) -> None:
    """Write a new record with its unique values ((kind, value) pairs) and any copies of it
    (items that must be new as well), all or nothing."""
    items = [("record", record)] + [(kind, lookup_item(kind, value, int(record.id))) for kind, value in lookups] \
        + [("copy", item) for item in copies]
    try:
        with TransactWrite(connection=connection()) as tx:
            for _kind, item in items:
                tx.save(item, condition=_absent())
    except TransactWriteError as error:
        taken = _failed(error, [kind for kind, _ in items])
        if taken:
            raise Taken(taken) from None
        raise


def replace(record, changes=()) -> None:
    """Save a record whose unique values may change: `changes` holds (kind, old, new); the old
    lookups go and the new ones must be free (Taken otherwise, and nothing is written)."""
    moved = [(kind, old, new) for kind, old, new in changes if old != new]
    try:
        with TransactWrite(connection=connection()) as tx:
            for kind, old, _new in moved:
                if old is not None:
                    tx.delete(lookup_item(kind, old, int(record.id)))
            tx.save(record)
            for kind, _old, new in moved:
                tx.save(lookup_item(kind, new, int(record.id)), condition=_absent())
    except TransactWriteError as error:
        deletes = sum(1 for _kind, old, _new in moved if old is not None)
        taken = _failed(error, [None] + [kind for kind, _old, _new in moved], offset=deletes)
        if taken:
            raise Taken(taken) from None
        raise


def replace_existing(items) -> None:
    """Rewrite items that must all still exist (copies of one record), all or nothing."""
    with TransactWrite(connection=connection()) as tx:
        for item in items:
            tx.save(item, condition=DirectoryItem.pk.exists())


def remove(record, lookups=(), copies=()) -> None:
    """Delete a record with its unique values ((kind, value) pairs) and its copies, all at once."""
    with TransactWrite(connection=connection()) as tx:
        tx.delete(record)
        for kind, value in lookups:
            if value is not None:
                tx.delete(lookup_item(kind, value, int(record.id)))
        for item in copies:
            tx.delete(item)


def create_once(item) -> bool:
    """Write the item unless one with its key exists; whether this call wrote it."""
    try:
        item.save(condition=_absent())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def remove_many(items) -> None:
    """Delete many items at once (BatchWriteItem; no condition, no order)."""
    items = list(items)
    if items:
        with DirectoryItem.batch_write() as batch:
            for item in items:
                batch.delete(item)
