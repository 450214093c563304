"""Writes of versioned records (contacts, deals) from the rules: the store's optimistic write,
with a conflict it could not resolve answered as Conflict (409)."""
from chalicelib.store import versions

from .errors import Conflict


def versioned(record, write, reload):
    """`write(record, previous)` changes the record (its version already advanced) and saves it
    conditioned on `previous`; a concurrent writer makes it run again on `reload()`."""
    try:
        return versions.optimistic(record, write, reload)
    except versions.VersionConflict:
        raise Conflict() from None
