"""The embedded store behind `make serve` under concurrent writers, at two store sizes.

    .venv/bin/python bench/embedded_writes.py [CONTACTS ...]     (default: 1000 10000)

For each size: a store of that many contacts is seeded (through the store layer, in batches)
and compacted, `python -m chalicelib.local.server` is started on it, and then:
- 100 writes, RSS read; 20 clients × 50 writes at once (updates of their own contacts and
  creates), counting errors and connection resets; RSS read again (after ~2,100 writes);
- the median time of a single write (one client, 50 updates);
- kill -9, restart, and every acknowledged write read back;
- the time a clean stop (SIGTERM) takes.
Prints one row per size. Times are wall-clock on this machine, through HTTP and moto: they
compare sizes with each other, not with DynamoDB.
"""
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.servers import Server, environment  # noqa: E402

CLIENTS, WRITES = 20, 50
TIMEOUT = 300       # seconds a client waits for one answer before counting a reset


def seed(data_file: str, contacts: int) -> None:
    code = (
        "import os, sys; sys.path.insert(0, %r)\n"
        "os.environ.update(STAGE='local', PASSWORD_HASH_ITERATIONS='1000')\n"
        "from chalicelib.local.backend import open_store\n"
        "store = open_store(True, %r)\n"
        "from chalicelib.local.sample import build\n"
        "build(%d)\n"
        "from chalicelib.services.users import ensure_development_admin\n"
        "ensure_development_admin()\n"
        "store.compact()\n" % (ROOT, data_file, contacts))
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment(), check=True)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(contacts: int) -> dict:
    directory = tempfile.mkdtemp(prefix="bench-store-")
    data = os.path.join(directory, "store.json")
    started = time.perf_counter()
    seed(data, contacts)
    seeded = time.perf_counter() - started
    server = Server(data, start_timeout=TIMEOUT)
    result = {"contacts": contacts, "seed_s": seeded}
    acknowledged, errors, resets = {}, [], []
    lock = threading.Lock()
    try:
        status, body = server.request("POST", "/contacts.json", {"contact": {"first_name": "Warm", "project_id": 1}})
        assert status == 201, body
        mine = []
        for n in range(CLIENTS):
            status, body = server.request("POST", "/contacts.json", {"contact": {"first_name": f"Client {n}",
                                                                                  "project_id": 1}})
            mine.append(json.loads(body)["contact"]["id"])
        for n in range(100 - CLIENTS - 1):
            server.request("PUT", f"/contacts/{mine[n % CLIENTS]}.json", {"contact": {"job_title": "warm"}})
        result["rss_100"] = rss_mb(server.process.pid)

        def client(n):
            for w in range(WRITES):
                try:
                    if w % 2:
                        status, body = server.request("POST", "/contacts.json", {"contact": {
                            "first_name": f"C{n}.{w}", "project_id": 1}}, timeout=TIMEOUT)
                        if status == 201:
                            with lock:
                                acknowledged[json.loads(body)["contact"]["id"]] = f"C{n}.{w}"
                    else:
                        status, body = server.request("PUT", f"/contacts/{mine[n]}.json",
                                                      {"contact": {"job_title": f"w{w}"}}, timeout=TIMEOUT)
                        if status == 204:
                            with lock:
                                acknowledged[mine[n]] = None
                                acknowledged[("title", mine[n])] = f"w{w}"
                    if status >= 400:
                        errors.append(status)
                except (ConnectionError, TimeoutError, urllib.error.URLError) as error:
                    resets.append(repr(error))

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result["concurrent_s"] = time.perf_counter() - started
        result["rss_2100"] = rss_mb(server.process.pid)
        timings = []
        for w in range(50):
            started = time.perf_counter()
            server.request("PUT", f"/contacts/{mine[0]}.json", {"contact": {"job_title": f"single {w}"}})
            timings.append(time.perf_counter() - started)
        acknowledged[("title", mine[0])] = "single 49"
        result["write_ms"] = statistics.median(timings) * 1000
    finally:
        server.stop(signal.SIGKILL)
    started = time.perf_counter()
    server = Server(data, start_timeout=TIMEOUT)
    result["restart_s"] = time.perf_counter() - started
    lost = 0
    try:
        for key, expected in acknowledged.items():
            if isinstance(key, tuple):
                status, body = server.request("GET", f"/contacts/{key[1]}.json")
                lost += status != 200 or json.loads(body)["contact"]["job_title"] != expected
            else:
                lost += server.request("GET", f"/contacts/{key}.json")[0] != 200
        started = time.perf_counter()
    finally:
        server.stop(signal.SIGTERM, timeout=TIMEOUT)
    result["stop_s"] = time.perf_counter() - started
    result.update(errors=len(errors), resets=len(resets), lost=lost, acknowledged=len(acknowledged))
    return result


def main(argv) -> int:
    sizes = [int(a) for a in argv] or [1000, 10000]
    print(f"| stored contacts | errors | resets | lost of acknowledged | RSS after 100 / ~2,100 writes | "
          f"median write | {CLIENTS}×{WRITES} writes | restart after kill -9 | clean stop | seeding |", flush=True)
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|", flush=True)
    for size in sizes:
        r = run(size)
        print(f"| {r['contacts']:,} | {r['errors']} | {r['resets']} | {r['lost']} of {r['acknowledged']} | "
              f"{r['rss_100']:.0f} / {r['rss_2100']:.0f} MB | {r['write_ms']:.0f} ms | {r['concurrent_s']:.1f} s | "
              f"{r['restart_s']:.1f} s | {r['stop_s']:.1f} s | {r['seed_s']:.0f} s |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
