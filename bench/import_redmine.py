"""Moving in: `contacts-admin import-redmine` from one local instance to another, timed.

    .venv/bin/python bench/import_redmine.py [CONTACTS]      (5,000 by default)

The source is a local server (its own process, embedded store) seeded with the sample CRM
(4 projects, tags, assignees, one deal per ten contacts); the target is a second embedded store
written by the command line, as an operator would run it. Prints, for the first run and for a
second one (nothing changed: every record is compared and left alone), the time, the records
and the rate.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

from embedded_writes import seed  # noqa: E402  (the sample CRM in a store file)

from tests.servers import Server, environment  # noqa: E402


def cli(data_file: str, *arguments, stdin: str = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chalicelib.cli", "--data", data_file, *arguments], cwd=ROOT,
                          env=environment(), input=stdin, capture_output=True, text=True, check=False)


def source_key(server) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}/my/api_key.json", data=b"{}", method="POST",
                                     headers={"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode(),
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())["user"]["api_key"]


def counts(text: str) -> dict:
    found = {}
    for line in text.splitlines():
        kind, _, rest = line.partition(": ")
        for part in rest.split(", "):
            outcome, _, number = part.rpartition(" ")
            if number.isdigit():
                found[(kind, outcome)] = int(number)
    return found


def main(argv) -> int:
    contacts = int(argv[0]) if argv else 5000
    folder = tempfile.mkdtemp(prefix="bench-import-")
    source_file, target_file = os.path.join(folder, "source.json"), os.path.join(folder, "target.json")
    started = time.perf_counter()
    seed(source_file, contacts)
    print(f"# seeded the source with {contacts} contacts in {time.perf_counter() - started:.0f} s", flush=True)
    created = cli(target_file, "create-admin", "--login", "admin", "--mail", "admin@example.com",
                  "--password-stdin", stdin="admin-secret\n")
    assert created.returncode == 0, created.stderr
    server = Server(source_file, start_timeout=600)
    try:
        key = source_key(server)
        print(f"{'run':<8} | {'seconds':>8} | {'contacts':>8} | {'deals':>6} | {'records/s':>9} | {'contacts/s':>10}")
        print("-" * 64, flush=True)
        for run in ("first", "second"):
            started = time.perf_counter()
            result = cli(target_file, "import-redmine", "--url", f"http://127.0.0.1:{server.port}", "--key", key,
                         "--checkpoint", os.path.join(folder, f"{run}.checkpoint"))
            spent = time.perf_counter() - started
            if result.returncode != 0:
                print(result.stdout[-2000:], result.stderr[-2000:], file=sys.stderr)
                return 1
            found = counts(result.stdout)
            moved = sum(n for (kind, outcome), n in found.items() if kind in ("contact", "deal", "note")
                        and outcome in ("imported", "updated", "skipped"))
            people = sum(n for (kind, outcome), n in found.items() if kind == "contact" and outcome != "failed")
            deals = sum(n for (kind, outcome), n in found.items() if kind == "deal" and outcome != "failed")
            print(f"{run:<8} | {spent:>8.0f} | {people:>8} | {deals:>6} | {moved / spent:>9.1f} | "
                  f"{people / spent:>10.1f}", flush=True)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
