"""`make serve` as a user meets it: a real HTTP server over the embedded store whose data
survives a restart and even a kill -9, and the admin command line on the same store."""
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.servers import ROOT, Server, environment, free_port  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


@pytest.fixture(autouse=True)
def aws():
    """These tests talk to a server process; no in-process moto needed."""
    yield


def test_serve_create_restart_and_kill(tmp_path):
    data = tmp_path / "store.json"
    server = Server(data)
    try:
        assert server.request("GET", "/projects.json") == \
            (200, b'{"projects":[],"total_count":0,"offset":0,"limit":25}')
        status, body = server.request("POST", "/projects.json",
                                      {"project": {"name": "Support", "identifier": "support"}})
        assert status == 201
        status, body = server.request("POST", "/uploads.json", PNG)
        assert status == 201, body
        assert server.request("GET", "/a/b/c/d/e/f/g/h/i.json") == (404, b"")
        assert server.request("GET", "/projects.json", auth=("admin", "wrong"))[0] == 200
    finally:
        log = server.stop()
    assert "DEVELOPMENT ADMIN CREATED" in log
    lines = [json.loads(line[line.index("{"):]) for line in log.splitlines() if "contacts_api.requests" in line]
    created = next(line for line in lines if line["method"] == "POST" and line["path"] == "/projects.json")
    assert created["status"] == 201 and len(created["request_id"]) == 32
    assert created["dynamodb_calls"] > 0 and created["items_written"] > 0 and "Scan" not in created["operations"]

    server = Server(data)
    try:
        status, body = server.request("GET", "/projects/support.json")
        assert status == 200 and json.loads(body)["project"]["name"] == "Support"
        assert server.request("GET", "/attachments/1") == (200, PNG)   # files survive restarts too
        server.request("POST", "/projects.json", {"project": {"name": "Sales", "identifier": "sales"}})
    finally:
        log = server.stop(signal.SIGKILL)
    assert "DEVELOPMENT ADMIN CREATED" not in log

    json.loads(data.read_text())   # never left half-written
    server = Server(data)
    try:
        assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
        status, body = server.request("GET", "/projects.json")
        assert [p["identifier"] for p in json.loads(body)["projects"]] == ["sales", "support"]
    finally:
        server.stop()


def test_admin_command_line_on_the_embedded_store(tmp_path):
    data = tmp_path / "store.json"

    def cli(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "chalicelib.cli", "--data", str(data), *args],
                              cwd=ROOT, env=environment(), input=stdin, capture_output=True, text=True,
                              timeout=60)

    assert cli("create-tables").returncode == 0
    result = cli("create-admin", "--login", "boss", "--mail", "boss@example.com", "--password-stdin",
                 stdin="boss-password\n")
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().rsplit(" ", 1)[-1]
    assert len(key) == 40
    result = cli("create-admin", "--login", "boss", "--mail", "x@example.com", "--password-stdin",
                 stdin="short\n")
    assert result.returncode == 1
    assert "Login has already been taken" in result.stderr
    assert "Password is too short (minimum is 8 characters)" in result.stderr
    assert cli("reset-password", "boss", "--password-stdin", stdin="new-password\n").returncode == 0
    new_key = cli("reset-api-key", "boss").stdout.strip().rsplit(" ", 1)[-1]
    assert new_key != key

    server = Server(data)
    try:
        assert server.request("GET", "/users/current.json", auth=("boss", "new-password"))[0] == 200
        assert server.request("GET", "/users/current.json", auth=("boss", "boss-password"))[0] == 401
        assert server.request("GET", "/users/current.json", auth=(new_key, "x"))[0] == 200
        assert server.request("GET", "/users/current.json", auth=(key, "x"))[0] == 401
        # The checker reads a running server's store and leaves its files alone.
        files = sorted(p for p in tmp_path.iterdir() if p.is_file())
        before = [(p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files]
        checked = cli("check-consistency")
        assert checked.returncode == 0 and "nothing out of place" in checked.stdout, checked.stdout
        assert [(p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files] == before
        # A command that writes is refused while the server holds the files.
        refused = cli("reset-api-key", "boss")
        assert refused.returncode == 2 and "open for writing in another process" in refused.stderr
        assert [(p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files] == before
        assert server.request("POST", "/projects.json", {"project": {"name": "After", "identifier": "after"}},
                              auth=("boss", "new-password"))[0] == 201
    finally:
        server.stop()
    server = Server(data)
    try:
        assert server.request("GET", "/projects/after.json", auth=("boss", "new-password"))[0] == 200
    finally:
        server.stop()


def test_serve_against_a_dynamodb_endpoint(tmp_path):
    """DYNAMODB_ENDPOINT points the server at another DynamoDB (here moto's standalone server, in
    a process of its own: nothing of this test process's in-memory moto can stand in for it)."""
    import socket
    import time
    port = free_port()
    dynamodb = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "moto_server"), "-H", "127.0.0.1",
                                 "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    endpoint = f"http://127.0.0.1:{port}"
    os.environ["DYNAMODB_ENDPOINT"] = endpoint
    try:
        server = Server(tmp_path / "unused.json")
    finally:
        del os.environ["DYNAMODB_ENDPOINT"]
    try:
        assert server.request("POST", "/projects.json",
                              {"project": {"name": "Remote", "identifier": "remote"}})[0] == 201
    finally:
        log = server.stop()
        # Read over HTTP from the endpoint itself: this process's in-memory moto is not it.
        request = urllib.request.Request(endpoint, data=json.dumps({
            "TableName": "contacts-api-local-directory",
            "Key": {"pk": {"S": "identifier"}, "sk": {"S": "remote"}}}).encode(), headers={
            "X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
                             "SignedHeaders=host, Signature=0"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                item = json.loads(response.read())
        except urllib.error.HTTPError as error:
            item = {"error": error.read().decode()}
        dynamodb.terminate()
        dynamodb.wait(timeout=10)
    assert f"DynamoDB at {endpoint}" in log
    assert item.get("Item", {}).get("target") == {"N": "1"}, (item, log[-2000:])
    assert not (tmp_path / "unused.json").exists()


def test_concurrent_writers_lose_nothing_they_were_told_was_written(tmp_path):
    """8 clients at once, two on each contact (so transactions fail on version conflicts and
    are retried), each also creating contacts: nothing gets a 5xx, every answered create is
    there, every contact ends with a value some client was told it wrote, and all of it
    survives a kill -9."""
    import threading
    data = tmp_path / "store.json"
    server = Server(data)
    created, titles, failures = [], {}, []
    try:
        assert server.request("POST", "/projects.json", {"project": {"name": "S", "identifier": "s"}})[0] == 201
        ids = [json.loads(server.request("POST", "/contacts.json", {"contact": {
            "first_name": f"C{n}", "project_id": "s"}})[1])["contact"]["id"] for n in range(4)]

        def writer(n):
            contact_id = ids[n % 4]
            for round_ in range(6):
                title = f"writer {n} round {round_}"
                status, body = server.request("PUT", f"/contacts/{contact_id}.json", {"contact": {
                    "job_title": title, "tag_list": f"t{n}"}})
                if status == 204:
                    titles.setdefault(contact_id, set()).add(title)
                elif status != 409:
                    failures.append((status, body))
                status, body = server.request("POST", "/contacts.json", {"contact": {
                    "first_name": f"New {n}.{round_}", "project_id": "s"}})
                if status == 201:
                    created.append(json.loads(body)["contact"]["id"])
                else:
                    failures.append((status, body))

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop(signal.SIGKILL)
    assert failures == []
    server = Server(data)
    try:
        for contact_id in created:
            assert server.request("GET", f"/contacts/{contact_id}.json")[0] == 200, contact_id
        for contact_id, told in titles.items():
            status, body = server.request("GET", f"/contacts/{contact_id}.json")
            assert json.loads(body)["contact"]["job_title"] in told
        status, body = server.request("GET", "/contacts.json?limit=1")
        assert json.loads(body)["total_count"] == 4 + len(created) == 4 + 8 * 6
    finally:
        server.stop()
