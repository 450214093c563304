"""The embedded DynamoDB (and S3) of local runs: moto in this process, its tables and files
kept in one JSON file under `.data/` across restarts.

The file is rewritten after every change through a temporary file and an atomic rename,
so a server killed at any moment leaves either the old or the new file, never a broken one.
"""
import base64
import json
import os
import tempfile
import threading

FORMAT_VERSION = 1


def use_fake_credentials() -> None:
    """moto accepts anything, but botocore wants some credentials and a region."""
    for name, value in (("AWS_ACCESS_KEY_ID", "local"), ("AWS_SECRET_ACCESS_KEY", "local"),
                        ("AWS_SESSION_TOKEN", "local")):
        os.environ.setdefault(name, value)
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL"):
            del os.environ[name]


_CALLS = threading.RLock()


def serialize_calls() -> None:
    """One moto call at a time, as DynamoDB makes each call atomic. moto itself is not safe
    for threads: a failed transaction restores a copy of the whole table (undoing what other
    threads wrote meanwhile), and concurrent writes break its iterations."""
    from moto.core.botocore_stubber import BotocoreStubber
    if getattr(BotocoreStubber, "_serialized", False):
        return
    original = BotocoreStubber.process_request

    def process_request(self, request):
        with _CALLS:
            return original(self, request)

    BotocoreStubber.process_request = process_request
    BotocoreStubber._serialized = True


class EmbeddedStore:
    def __init__(self, path: str):
        self.path = path
        self._mock = None
        self._lock = threading.Lock()

    def start(self) -> "EmbeddedStore":
        self._remove_leftovers()
        use_fake_credentials()
        import moto  # imported here: only local runs pay for it
        serialize_calls()
        self._mock = moto.mock_aws()
        self._mock.start()
        return self

    def _remove_leftovers(self) -> None:
        """Temporary files of a save that was killed halfway; the data file itself is whole."""
        directory = os.path.dirname(os.path.abspath(self.path))
        if os.path.isdir(directory):
            for name in os.listdir(directory):
                if name.startswith(".store-") and name.endswith(".tmp"):
                    os.unlink(os.path.join(directory, name))

    def stop(self) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None

    def _backend(self):
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        from chalicelib import config
        return dynamodb_backends[DEFAULT_ACCOUNT_ID][config.REGION]

    def load(self) -> int:
        """Put the saved items back into the (already created) tables; returns how many."""
        if not os.path.exists(self.path):
            return 0
        with open(self.path, encoding="utf-8") as handle:
            saved = json.load(handle)
        if saved.get("version") != FORMAT_VERSION:
            raise RuntimeError(f"{self.path}: unknown data format {saved.get('version')!r}")
        backend = self._backend()
        count = 0
        for table_name, items in saved.get("tables", {}).items():
            table = backend.tables.get(table_name)
            if table is None:
                continue
            for attributes in items:
                table.put_item(attributes)
                count += 1
        from chalicelib.store.files import s3
        for bucket, objects in saved.get("files", {}).items():
            for key, (content_type, encoded) in objects.items():
                s3().put_object(Bucket=bucket, Key=key, Body=base64.b64decode(encoded), ContentType=content_type)
        return count

    @staticmethod
    def _files() -> dict:
        """Every uploaded file, by bucket and key: (content type, base64 bytes)."""
        from chalicelib.store.files import s3
        client = s3()
        found = {}
        for bucket in client.list_buckets().get("Buckets", []):
            objects = found.setdefault(bucket["Name"], {})
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
                for item in page.get("Contents", []):
                    stored = client.get_object(Bucket=bucket["Name"], Key=item["Key"])
                    objects[item["Key"]] = (stored.get("ContentType", "application/octet-stream"),
                                            base64.b64encode(stored["Body"].read()).decode("ascii"))
        return found

    def save(self) -> None:
        with self._lock:
            with _CALLS:    # a consistent snapshot: no request changes the tables meanwhile
                backend = self._backend()
                tables = {name: [item.to_json()["Attributes"] for item in table.all_items()]
                          for name, table in backend.tables.items()}
                files = self._files()
            directory = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(directory, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(prefix=".store-", suffix=".tmp", dir=directory)
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    json.dump({"version": FORMAT_VERSION, "tables": tables, "files": files}, handle)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                if os.path.exists(temporary):
                    os.unlink(temporary)
                raise
