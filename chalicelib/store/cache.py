"""What a container remembers of the directory for DIRECTORY_CACHE_SECONDS (5 by default, 0 to
switch off): the API key → user lookup, the user an API key authenticates, every project,
every role and a user's memberships, read on every request. Any directory write this container
makes forgets everything at once; a write made by another container shows here at most that
long after: a revoked or reissued key, a locked user, a changed role, membership or project
may be used for up to DIRECTORY_CACHE_SECONDS. Password logins are never served from here.

Callers get copies, so a handler that changes a record it read never changes the cache.
"""
import threading
import time

from botocore.handlers import BUILTIN_HANDLERS

from chalicelib import config

_entries: dict = {}
_lock = threading.Lock()
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems",
          "CreateTable", "DeleteTable"}


def _copy(value):
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if hasattr(value, "serialize") and hasattr(type(value), "from_raw_data"):
        return type(value).from_raw_data(value.serialize())
    return value


def remember(key, load):
    """`load()`, or what it gave for the same key less than DIRECTORY_CACHE_SECONDS ago."""
    ttl = config.DIRECTORY_CACHE_SECONDS
    if ttl <= 0:
        return load()
    now = time.monotonic()
    with _lock:
        hit = _entries.get(key)
    if hit is not None and hit[0] > now:
        return _copy(hit[1])
    value = load()
    with _lock:
        _entries[key] = (now + ttl, _copy(value))
    return value


def forget() -> None:
    with _lock:
        _entries.clear()


def _touches_directory(params: dict) -> bool:
    if params.get("TableName") == config.DIRECTORY_TABLE:
        return True
    if config.DIRECTORY_TABLE in (params.get("RequestItems") or {}):
        return True
    return any(config.DIRECTORY_TABLE == next(iter(item.values()), {}).get("TableName")
               for item in params.get("TransactItems") or [])


def _before_write(params=None, model=None, context=None, **_):
    if model is not None and model.name in WRITES and _touches_directory(params or {}):
        if context is not None:
            context["_directory_write"] = True
        forget()


def _after_write(context=None, **_):
    if context and context.get("_directory_write"):
        forget()


def _install() -> None:
    # Before the write goes out and after it is answered: a read racing it can never keep
    # what was there before.
    for entry in (("before-parameter-build.dynamodb", _before_write), ("after-call.dynamodb", _after_write)):
        if entry not in BUILTIN_HANDLERS:
            BUILTIN_HANDLERS.append(entry)


_install()
