"""The embedded store of `make serve`: a journal of answered writes on top of a snapshot, files
beside them, replay on start (a torn last record ignored), compaction, and local expiry of what
DynamoDB's TTL would remove on AWS. (tests/test_local_server.py kills a real server.)"""
import json
import os

import pytest

from chalicelib.store import embedded
from tests.conftest import body_json, written

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
GIF = b"GIF89a" + b"\x00" * 24


@pytest.fixture
def store(tmp_path):
    opened = []

    def open_store():
        from chalicelib.services.defaults import ensure_defaults
        from moto.core.base_backend import BackendDict
        from chalicelib.store.files import create_bucket
        from chalicelib.store.operations import create_tables
        for previous in opened:
            previous.stop()
        BackendDict.reset()           # what a restart starts from: nothing in memory
        create_tables()
        create_bucket()
        opened.append(embedded.EmbeddedStore(str(tmp_path / "store.json")))
        opened[-1].load()
        ensure_defaults()
        return opened[-1]
    yield open_store
    for previous in opened:
        previous.stop()


def test_writes_go_to_the_journal_and_come_back_after_a_restart(api, people, store, tmp_path):
    current = store()
    people.user("admin", admin=True)
    key = people.key("admin")
    snapshot = (tmp_path / "store.json").stat().st_mtime_ns
    written(api.post("/projects.json", {"project": {"name": "Support", "identifier": "support"}}, key=key))
    token = body_json(api.post("/uploads.json", PNG, key=key, content_type="application/octet-stream"))["upload"]["token"]
    contact = body_json(api.post("/contacts.json", {"contact": {"first_name": "Ann", "project_id": "support",
                                                                "tag_list": "vip", "avatar": {"token": token}}},
                                 key=key))["contact"]["id"]
    written(api.put(f"/contacts/{contact}.json", {"contact": {"job_title": "Buyer"}}, key=key))
    # the snapshot was not rewritten; the journal holds the writes; the file sits beside them
    assert (tmp_path / "store.json").stat().st_mtime_ns == snapshot
    records = [json.loads(line) for line in (tmp_path / "store.json.journal").read_text().splitlines()]
    assert [r["seq"] for r in records] == list(range(records[0]["seq"], records[0]["seq"] + len(records)))
    assert {"s3": "put", "bucket": "contacts-api-test-files", "key": "attachments/1",
            "content_type": "image/png", "seq": records[[r.get("s3") for r in records].index("put")]["seq"]} in records
    assert (tmp_path / "files" / "contacts-api-test-files" / "attachments%2F1").read_bytes() == PNG
    # a kill in the middle of an append leaves a torn line: it was never answered
    with open(tmp_path / "store.json.journal", "ab") as journal:
        journal.write(b'{"dynamodb":"PutItem","params":{"TableName":"contacts-api-te')
    current = store()
    shown = body_json(api.get(f"/contacts/{contact}.json", key=key))["contact"]
    assert (shown["job_title"], shown["tag_list"], shown["avatar"]) == ("Buyer", ["vip"], {"attachment_id": 1})
    assert api.get("/attachments/1", key=key, headers={"Accept": "*/*"}).body == PNG
    assert body_json(api.get("/contacts.json?tags=vip", key=key))["total_count"] == 1
    # the restart compacted: an empty journal, a snapshot without file contents
    assert (tmp_path / "store.json.journal").read_bytes() == b""
    assert "iVBOR" not in (tmp_path / "store.json").read_text()
    current.stop()


def test_a_record_is_never_applied_twice(api, people, store, tmp_path):
    """A kill between writing the snapshot and emptying the journal: the snapshot names the
    last record it holds, and counters are not counted again."""
    store()
    people.user("admin", admin=True)
    key = people.key("admin")
    written(api.post("/projects.json", {"project": {"name": "Support", "identifier": "support"}}, key=key))
    for n in range(3):
        written(api.post("/contacts.json", {"contact": {"first_name": f"C{n}", "project_id": "support"}}, key=key))
    journal = (tmp_path / "store.json.journal").read_bytes()
    current = store()                                   # compacts
    (tmp_path / "store.json.journal").write_bytes(journal)  # as if the truncation never happened
    current = store()
    assert body_json(api.get("/contacts.json?project_id=support", key=key))["total_count"] == 3
    assert body_json(api.get("/contacts.json", key=key))["total_count"] == 3
    current.stop()


def test_a_restart_leaves_the_search_index_as_the_writes_left_it(api, people, store, tmp_path):
    """The journal holds the index consumer's own writes: a replay applies those and runs no
    consumer again (which would take every 3-gram's slot a second time)."""
    from chalicelib.store import consistency
    store()
    people.user("admin", admin=True)
    key = people.key("admin")
    written(api.post("/projects.json", {"project": {"name": "Support", "identifier": "support"}}, key=key))
    ids = [body_json(api.post("/contacts.json", {"contact": {"first_name": f"Quentin{n}", "last_name": "Zarathustra",
                                                             "project_id": "support"}}, key=key))["contact"]["id"]
           for n in range(3)]
    written(api.put(f"/contacts/{ids[0]}.json", {"contact": {"last_name": "Abernathy"}}, key=key))
    written(api.delete(f"/contacts/{ids[1]}.json", key=key))
    before = consistency.check()
    assert (before.problems, before.drift) == ([], [])
    journal = (tmp_path / "store.json.journal").read_bytes()
    assert b'"consumer":true' in journal
    for kept in (journal, b"\n".join(line for line in journal.split(b"\n") if b'"consumer":true' not in line)):
        # As written; then as if killed each time before the consumer wrote anything.
        (tmp_path / "store.json.journal").write_bytes(kept)
        (tmp_path / "store.json").unlink(missing_ok=True)
        current = store()
        after = consistency.check()
        assert (after.problems, after.drift) == ([], [])
        found = body_json(api.get("/contacts.json?search=zarathustra", key=key))
        assert [c["id"] for c in found["contacts"]] == [ids[2]] and found["total_count"] == 1
        current.stop()


def test_compaction_expires_what_dynamodb_ttl_would(api, people, store, tmp_path, monkeypatch):
    current = store()
    people.user("admin", admin=True)
    key = people.key("admin")
    written(api.post("/projects.json", {"project": {"name": "Support", "identifier": "support"}}, key=key))
    claimed = body_json(api.post("/uploads.json", PNG, key=key, content_type="application/octet-stream"))["upload"]
    written(api.post("/uploads.json", GIF, key=key, content_type="application/octet-stream"))   # never claimed
    written(api.post("/contacts.json", {"contact": {"first_name": "Ann", "project_id": "support",
                                            "avatar": {"token": claimed["token"]}}}, key=key))
    files = tmp_path / "files" / "contacts-api-test-files"
    assert sorted(os.listdir(files)) == ["attachments%2F1", "attachments%2F2"]
    real_time = embedded.time.time
    monkeypatch.setattr(embedded.time, "time", lambda: real_time() + 3 * 86400)
    current.compact()
    assert sorted(os.listdir(files)) == ["attachments%2F1"]
    assert api.get("/attachments/2", key=key).status_code == 404
    assert api.get("/attachments/1", key=key, headers={"Accept": "*/*"}).status_code == 200
    current.stop()


def test_one_process_writes_the_files_at_a_time(tmp_path):
    """A second writer (an admin command beside a running server) is refused; a read-only
    open (the consistency checker) is not; a closed store lets the next writer in."""
    path = str(tmp_path / "store.json")
    server = embedded.EmbeddedStore(path)
    server.claim()
    with pytest.raises(embedded.StoreInUse, match="open for writing in another process"):
        embedded.EmbeddedStore(path).claim()
    embedded.EmbeddedStore(path, read_only=True)   # takes no lock
    server.close()
    command = embedded.EmbeddedStore(path)
    command.claim()
    command.close()
