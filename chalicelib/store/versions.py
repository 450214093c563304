"""The one write path of versioned records (contacts, deals): a write is one transaction
conditioned on the version that was read, and advances it. A concurrent writer makes the
condition fail (VersionConflict); `optimistic` then reads the record again and applies the
same change to it, a few times, so no update is lost and none is applied over a newer one.
Throttling and transaction conflicts are retried with backoff inside `run`.
"""
import random
import time

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from .operations import cancellation_codes, connection, is_backend_unavailable

TRANSACTION_LIMIT = 100     # items one DynamoDB transaction holds
ATTEMPTS = 4


class VersionConflict(Exception):
    """The record changed (or appeared, or vanished) since it was read."""


class ClaimLost(Exception):
    """An item the write claims (an upload becoming an avatar) was claimed first by another."""


class TooManyChanges(Exception):
    """One write would change more items than a DynamoDB transaction holds."""


def condition(model, previous):
    """The condition of a write: the record is still at the version read, or (previous None)
    does not exist yet."""
    return model.pk.does_not_exist() if previous is None else model.version == int(previous.version)


def guarded_failed(error: TransactWriteError, position: int) -> bool:
    """Whether the item at `position` of a cancelled transaction failed its condition. PynamoDB
    sends condition checks, then deletes, then puts, then updates, whatever order they were
    added in: callers count their position in that order."""
    codes = cancellation_codes(error)
    return len(codes) > position and codes[position] == "ConditionalCheckFailed"


def run(build, guarded: int) -> None:
    """Run a transaction built by `build(tx)`, retrying throttling and transaction conflicts with
    backoff. `guarded` is the position of the item that carries the version condition: its
    failure is a VersionConflict; any other failed condition a ClaimLost."""
    for attempt in range(ATTEMPTS):
        try:
            with TransactWrite(connection=connection()) as tx:
                build(tx)
            return
        except TransactWriteError as error:
            if guarded_failed(error, guarded):
                raise VersionConflict() from None
            if "ConditionalCheckFailed" in cancellation_codes(error):
                raise ClaimLost() from None
            if not is_backend_unavailable(error) or attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (2 ** attempt) * (1 + random.random()))


def optimistic(record, write, reload, attempts: int = ATTEMPTS):
    """Call `write(record, previous)`, where `previous` is the record as read and `record` has
    its version advanced; `write` changes the record and saves it conditioned on `previous`.
    On a VersionConflict the record is read again with `reload()` (None: it is gone) and written
    again; after `attempts` conflicts, VersionConflict. Returns what `write` returns."""
    for _attempt in range(attempts):
        previous = type(record).from_raw_data(record.serialize())
        record.version = int(previous.version) + 1
        try:
            return write(record, previous)
        except VersionConflict:
            record = reload()
            if record is None:
                raise
    raise VersionConflict()


def apply(tx, pairs) -> None:
    """Add ("put", item), ("delete", item) and ("update", (item, actions)) pairs to a transaction."""
    for action, what in pairs:
        if action == "put":
            tx.save(what)
        elif action == "delete":
            tx.delete(what)
        else:
            item, actions = what
            tx.update(item, actions=actions)
