"""The embedded DynamoDB (and S3) of local runs: moto in this process, kept under `.data/`.

- `store.json`: a snapshot of the tables, and which uploaded files exist;
- `store.json.journal`: every write answered since the snapshot, one JSON line each, appended
  and fsynced before the answer goes out (so `kill -9` at any moment loses nothing that was
  answered, and a write costs what the write costs, not what the store holds);
- `files/`: the uploaded files themselves, beside the snapshot, never inside it.

On start the snapshot is loaded and the journal replayed (a torn last line, from a kill in the
middle of an append, is ignored), then compacted into a new snapshot. The journal is compacted
again every COMPACT_EVERY records; a clean stop only closes the journal. Compaction also does what DynamoDB's TTL
and an S3 lifecycle rule do on AWS: items past their `expires` go, with their files.
Every moto call runs alone (moto is not safe for threads; DynamoDB makes each call atomic).
One process at a time writes the files: a writer holds `store.json.lock` while it is open, so
an admin command beside a running server is refused instead of writing a snapshot the server
would then overwrite (read-only opens, as the consistency checker's, take no lock).
"""
import base64
import contextlib
import contextvars
import logging
import fcntl
import json
import os
import tempfile
import threading
import time
from urllib.parse import quote, unquote, urlsplit

FORMAT_VERSION = 2
COMPACT_EVERY = 5000
# DynamoDB calls that change items: what the journal keeps (tables are created at every start).
MUTATING = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})

log = logging.getLogger("contacts_api.embedded")
_CALLS = threading.RLock()
_journal = None          # the EmbeddedStore that records answered writes, when one is open


def use_fake_credentials() -> None:
    """moto accepts anything, but botocore wants some credentials and a region."""
    for name, value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local"),
                        ("AWS_SESSION_TOKEN", "local")):
        os.environ.setdefault(name, value)
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL"):
            del os.environ[name]


def serialize_calls() -> None:
    """One moto call at a time, as DynamoDB makes each call atomic. moto itself is not safe
    for threads: a failed transaction restores a copy of the whole table (undoing what other
    threads wrote meanwhile), and concurrent writes break its iterations. An answered write is
    handed to the open journal inside the same turn, before its answer leaves."""
    from moto.core.botocore_stubber import BotocoreStubber
    if getattr(BotocoreStubber, "_serialized", False):
        return
    original = BotocoreStubber.process_request

    def process_request(self, request):
        with _CALLS:
            response = original(self, request)
            if _journal is not None and response is not None and int(response[0]) < 300:
                _journal.record(request)
            if _consumers and response is not None and _target(request) in MUTATING:
                _drain_streams()
            return response

    BotocoreStubber.process_request = process_request
    BotocoreStubber._serialized = True


# Stream consumers run after each write, as Lambda would run them a moment later on AWS.
_consumers = []
_draining = threading.local()
_consuming = threading.local()       # set while a consumer runs: its writes are journaled as its
_pending = []        # records a consumer failed on: handed over again with the next ones, as Lambda retries


def consume_streams(handler) -> None:
    """Run `handler(records)` (records as Lambda delivers them) on the stream records of every
    write, right after the write and before its answer leaves: search on the embedded store
    never lags. Installed once per handler."""
    if handler not in _consumers:
        _consumers.append(handler)


@contextlib.contextmanager
def streams_paused():
    """Writes inside hand nothing to the consumers (a seeding that writes the index itself)."""
    before = getattr(_draining, "active", False)
    _draining.active = True
    try:
        yield
    finally:
        _forget_stream_records()
        _draining.active = before


def _stream_shards():
    """The stream shard of every table that has a stream (moto keeps its records there)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib import config
    for table in dynamodb_backends[DEFAULT_ACCOUNT_ID][config.REGION].tables.values():
        if getattr(table, "stream_shard", None) is not None:
            yield table.stream_shard


def _forget_stream_records() -> None:
    for shard in _stream_shards():
        shard.items = []


def _drain_streams() -> None:
    """Hand the stream records written so far to the consumers, until their own writes add no
    more (their records are handed over too: a consumer ignores what is not its own)."""
    if getattr(_draining, "active", False):
        return
    _draining.active = True
    try:
        while True:
            records, _pending[:] = list(_pending), []
            for shard in _stream_shards():
                records += [item.record for item in shard.items]
                shard.items = []
            if not records:
                return
            try:
                from .contacts import on_this_thread
                for handler in _consumers:
                    # In a context of its own: on AWS another function's calls, not the request's.
                    with on_this_thread():
                        _consuming.active = True
                        try:
                            contextvars.Context().run(handler, records)
                        finally:
                            _consuming.active = False
            except Exception as error:
                # The write itself is answered as it went; the batch waits for the next one.
                _pending[:] = records
                log.warning("stream consumer failed, its %d records wait: %s", len(records), error)
                return
    finally:
        _draining.active = False


def catch_up() -> None:
    """Run the consumers on whatever is waiting (what Lambda's retries do a moment later)."""
    _drain_streams()


def undo_transactions_by_item() -> None:
    """moto backs up a whole table (a deep copy, once per item of the transaction) before every
    TransactWriteItems, so a write costs what the table holds. Here the backup is of the items
    the transaction names, restored in place when it fails: the same outcome, at the cost of the
    write."""
    import copy

    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import DynamoType
    if getattr(models.DynamoDBBackend, "_undo_by_item", False):
        return
    original = models.DynamoDBBackend.transact_write_items

    class NoTableCopies:
        """`copy` as moto's transaction sees it: tables are not copied, anything else is."""

        def __getattr__(self, name):
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value, memo=None):
            return value if isinstance(value, models.Table) else copy.deepcopy(value, memo)

    def transact_write_items(self, transact_items):
        undo = []
        for entry in transact_items:
            _, operation = next(iter(entry.items()))
            table = self.tables.get(operation.get("TableName"))
            key = operation.get("Key") or operation.get("Item") or {}
            if table is None or table.hash_key_attr not in key:
                continue
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
            if table.range_key_attr and range_key is None:
                continue
            before = table.get_item(hash_key, range_key)
            undo.append((table, hash_key, range_key, copy.deepcopy(before) if before is not None else None))
        models.copy = NoTableCopies()
        try:
            return original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, before in reversed(undo):
                if table.range_key_attr:
                    partition = table.items.setdefault(hash_key, {})
                    if before is None:
                        partition.pop(range_key, None)
                    else:
                        partition[range_key] = before
                elif before is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = before
            raise
        finally:
            models.copy = copy

    models.DynamoDBBackend.transact_write_items = transact_write_items
    models.DynamoDBBackend._undo_by_item = True


def _target(request):
    target = request.headers.get("X-Amz-Target") or request.headers.get("x-amz-target") or b""
    target = target.decode() if isinstance(target, bytes) else target
    return target.split(".", 1)[1] if target.startswith("DynamoDB_") else None


def _body_bytes(request) -> bytes:
    body = request.body or b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _bucket_and_key(url: str):
    parts = urlsplit(url)
    host, path = parts.hostname or "", unquote(parts.path.lstrip("/"))
    if ".s3" in host and not host.startswith("s3"):
        return host.split(".s3", 1)[0], path
    bucket, _, key = path.partition("/")
    return bucket, key


def _write_atomically(path: str, data: bytes) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".store-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


class StoreInUse(Exception):
    """Another process holds the store's files open for writing."""


class EmbeddedStore:
    def __init__(self, path: str, read_only: bool = False):
        """`read_only`: load the data to read it (a checker beside a running server) and never
        write, compact or tidy the files."""
        self.path = path
        self.read_only = read_only
        self.journal_path = path + ".journal"
        self.files_path = os.path.join(os.path.dirname(os.path.abspath(path)), "files")
        self._mock = None
        self._journal = None
        self._sequence = 0          # the last journal record written (or replayed)
        self._since_compaction = 0
        self._files = {}            # {bucket: {key: content type}}
        self._lock = None

    def claim(self) -> None:
        """Take the writer's lock of the files, or raise StoreInUse. The operating system
        releases it when the process ends, however it ends."""
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        handle = open(self.path + ".lock", "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StoreInUse(f"{self.path} is open for writing in another process (a running server?): "
                             "stop it, or make the change through the API") from None
        self._lock = handle

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def start(self) -> "EmbeddedStore":
        if not self.read_only:
            self.claim()
            self._remove_leftovers()
        use_fake_credentials()
        import moto  # imported here: only local runs pay for it
        serialize_calls()
        undo_transactions_by_item()
        self._mock = moto.mock_aws()
        self._mock.start()
        return self

    def _remove_leftovers(self) -> None:
        """Temporary files of a write that was killed halfway; the data files themselves are whole."""
        for directory, _subdirs, names in os.walk(os.path.dirname(os.path.abspath(self.path))):
            for name in names:
                if name.startswith(".store-") and name.endswith(".tmp"):
                    os.unlink(os.path.join(directory, name))

    def stop(self) -> None:
        global _journal
        with _CALLS:
            if _journal is self:
                _journal = None
            if self._journal is not None:
                self._journal.close()
                self._journal = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        self._release()

    # ------------------------------------------------------------ moto's state

    def _backend(self):
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        from chalicelib import config
        return dynamodb_backends[DEFAULT_ACCOUNT_ID][config.REGION]

    def _file_path(self, bucket: str, key: str) -> str:
        return os.path.join(self.files_path, quote(bucket, safe=""), quote(key, safe=""))

    # ------------------------------------------------------------ start: snapshot, then journal

    def load(self) -> int:
        """Put the snapshot's items and files back into the (already created) tables and bucket,
        replay the journal, and compact; returns how many items the tables hold."""
        saved = {}
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as handle:
                saved = json.load(handle)
            if saved.get("version") not in (1, FORMAT_VERSION):
                raise RuntimeError(f"{self.path}: unknown data format {saved.get('version')!r}")
        backend = self._backend()
        for table_name, items in saved.get("tables", {}).items():
            table = backend.tables.get(table_name)
            if table is not None:
                for attributes in items:
                    table.put_item(attributes)
        from chalicelib.store.files import s3
        for bucket, objects in saved.get("files", {}).items():
            for key, stored in objects.items():
                if saved.get("version") == 1:     # files were kept inside the snapshot
                    content_type, content = stored[0], base64.b64decode(stored[1])
                else:
                    content_type = stored
                    with open(self._file_path(bucket, key), "rb") as handle:
                        content = handle.read()
                s3().put_object(Bucket=bucket, Key=key, Body=content, ContentType=content_type)
                self._files.setdefault(bucket, {})[key] = content_type
        self._sequence = int(saved.get("sequence", 0))
        _forget_stream_records()    # the snapshot holds the search index as it was
        self._replay()
        if self.read_only:
            return sum(len(list(t.all_items())) for t in backend.tables.values())
        global _journal
        _journal = self
        self.compact()
        return sum(len(list(t.all_items())) for t in backend.tables.values())

    def _replay(self) -> None:
        if not os.path.exists(self.journal_path):
            return
        import botocore.session
        from botocore import xform_name

        from chalicelib import config
        from chalicelib.store.files import s3
        dynamodb = botocore.session.get_session().create_client("dynamodb", region_name=config.REGION)
        with open(self.journal_path, "rb") as handle:
            lines = handle.read().split(b"\n")
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue             # a torn last line: that write was never answered
            if int(record["seq"]) <= self._sequence:
                continue             # already in the snapshot
            self._sequence = int(record["seq"])
            if record.get("consumer"):
                # A consumer's write: the consumers run again on the replayed write that caused
                # it, as they ran then (a write whose consumer never finished is indexed too).
                continue
            if "dynamodb" in record:
                try:
                    getattr(dynamodb, xform_name(record["dynamodb"]))(**record["params"])
                except dynamodb.exceptions.ClientError:
                    pass             # it failed as it would have then: nothing to apply
            elif record.get("s3") == "put":
                with open(self._file_path(record["bucket"], record["key"]), "rb") as handle:
                    s3().put_object(Bucket=record["bucket"], Key=record["key"], Body=handle.read(),
                                    ContentType=record["content_type"])
                self._files.setdefault(record["bucket"], {})[record["key"]] = record["content_type"]
            elif record.get("s3") == "delete":
                s3().delete_object(Bucket=record["bucket"], Key=record["key"])
                self._files.get(record["bucket"], {}).pop(record["key"], None)

    # ------------------------------------------------------------ answered writes

    def record(self, request) -> None:
        """Called under the call lock, after moto answered a call without error."""
        operation = _target(request)
        if operation is not None:
            if operation in MUTATING:
                entry = {"dynamodb": operation, "params": json.loads(_body_bytes(request) or b"{}")}
                if getattr(_consuming, "active", False):
                    entry["consumer"] = True
                self._append(entry)
            return
        parts = urlsplit(request.url or "")
        if "s3" not in (parts.hostname or "") or parts.query or request.method not in ("PUT", "DELETE"):
            return
        bucket, key = _bucket_and_key(request.url)
        if not key:
            return                   # the bucket itself
        path = self._file_path(bucket, key)
        if request.method == "PUT":
            # The body was a stream moto has read: the stored object is read back instead.
            from chalicelib.store.files import s3
            stored = s3().get_object(Bucket=bucket, Key=key)
            content_type = stored.get("ContentType") or "application/octet-stream"
            _write_atomically(path, stored["Body"].read())
            self._files.setdefault(bucket, {})[key] = content_type
            self._append({"s3": "put", "bucket": bucket, "key": key, "content_type": content_type})
        else:
            self._append({"s3": "delete", "bucket": bucket, "key": key})
            self._files.get(bucket, {}).pop(key, None)
            if os.path.exists(path):
                os.unlink(path)

    def _append(self, record: dict) -> None:
        if self._journal is None:
            os.makedirs(os.path.dirname(os.path.abspath(self.journal_path)), exist_ok=True)
            self._journal = open(self.journal_path, "ab")
        self._sequence += 1
        record["seq"] = self._sequence
        self._journal.write(json.dumps(record, separators=(",", ":")).encode("utf-8") + b"\n")
        self._journal.flush()
        os.fsync(self._journal.fileno())
        self._since_compaction += 1
        if self._since_compaction >= COMPACT_EVERY:
            self.compact()

    # ------------------------------------------------------------ compaction

    def _expire(self) -> None:
        """What DynamoDB's TTL and an S3 lifecycle rule do on AWS: items past their `expires`
        go (rate counters, unclaimed uploads), and the files of expired uploads with them."""
        from chalicelib.store.crm import EXPIRY_ATTRIBUTE
        from chalicelib.store.files import s3
        moment = time.time()
        for table in self._backend().tables.values():
            for item in list(table.all_items()):
                expires = item.attrs.get(EXPIRY_ATTRIBUTE)
                if expires is None or float(expires.value) > moment:
                    continue
                table.delete_item(item.hash_key, item.range_key)
                if str(item.hash_key.value).startswith("attachment#"):
                    from chalicelib import config
                    key = f"attachments/{str(item.hash_key.value).split('#', 1)[1]}"
                    s3().delete_object(Bucket=config.FILES_BUCKET, Key=key)

    def compact(self) -> None:
        """A new snapshot of everything, then an empty journal: the snapshot names the last
        record it holds, so a kill between the two never applies a record twice."""
        if self.read_only:
            return
        with _CALLS:
            self._since_compaction = 0
            self._expire()
            backend = self._backend()
            tables = {name: [item.to_json()["Attributes"] for item in table.all_items()]
                      for name, table in backend.tables.items()}
            snapshot = {"version": FORMAT_VERSION, "sequence": self._sequence, "tables": tables,
                        "files": self._files}
            _write_atomically(self.path, json.dumps(snapshot).encode("utf-8"))
            if self._journal is not None:
                self._journal.close()
                self._journal = None
            with open(self.journal_path, "wb") as handle:
                handle.flush()
                os.fsync(handle.fileno())

    def close(self) -> None:
        """A clean stop: the journal is already on disk, so nothing is rewritten (the next start
        compacts), and stopping takes no longer for a large store than for a small one."""
        with _CALLS:
            if self._journal is not None:
                self._journal.close()
                self._journal = None
        self._release()

    save = compact
