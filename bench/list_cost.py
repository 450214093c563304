"""What each kind of request costs on 1,000, 5,000 and 20,000 contacts (embedded DynamoDB).

    .venv/bin/python bench/list_cost.py [SIZE ...]

Prints one row per request kind and size: DynamoDB calls, items read, index entries read,
estimated read/write units, median handler time of a few runs, and what a Scan-based
implementation would read for the same list (every contact) with the ratio.
Timings come from moto in this process, which evaluates every Query against the whole table
and copies the table for every transaction: they compare requests with each other, and say
nothing about DynamoDB latency. The call and item counts are what DynamoDB would bill.
"""
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                   "AWS_DEFAULT_REGION": "us-east-1", "STAGE": "bench", "LOG_LEVEL": "WARNING",
                   "PASSWORD_HASH_ITERATIONS": "1000"})
os.environ.pop("DYNAMODB_ENDPOINT", None)

import moto  # noqa: E402  (before any botocore session)

RUNS = 3


def requests_for(sample):
    project, tag, assignee = sample.project_ids[0], sample.tags[0], sample.assignee_ids[0]
    admin, member = sample.admin_key, sample.member_key
    rows = []
    for page in (1, 10):
        rows += [(f"list project p{page}", "GET", f"/contacts.json?project_id={project}&page={page}", admin, True),
                 (f"list tag p{page}", "GET", f"/contacts.json?tags={tag}&page={page}", admin, True),
                 (f"list assignee p{page}", "GET", f"/contacts.json?assigned_to_id={assignee}&page={page}",
                  admin, True),
                 (f"list all admin p{page}", "GET", f"/contacts.json?page={page}", admin, True),
                 (f"list all member p{page}", "GET", f"/contacts.json?page={page}", member, True)]
    rows += [("search rare word", "GET", "/contacts.json?search=zyxwvut", admin, True),
             ("search common word", "GET", "/contacts.json?search=smith", admin, True),
             ("show with includes", "GET", "/contacts/1.json?include=notes,contacts,deals,tickets", admin, False),
             ("create", "POST", "/contacts.json", admin, False),
             ("update", "PUT", "/contacts/2.json", admin, False)]
    return rows


def measure(size: int) -> list:
    with moto.mock_aws():
        from chalice.test import Client

        from app import app
        from chalicelib.local import sample as samples
        from chalicelib.services.defaults import ensure_defaults
        from chalicelib.store import meter
        from chalicelib.store.crm import CrmItem
        from chalicelib.store.operations import create_tables

        create_tables()
        ensure_defaults()
        started = time.perf_counter()
        sample = samples.build(size)
        print(f"# seeded {size} contacts in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        client = Client(app).http
        crm = CrmItem.Meta.table_name
        results = []
        for name, method, path, key, is_list in requests_for(sample):
            headers = {"X-Redmine-API-Key": key, "Content-Type": "application/json"}
            timings, cost = [], None
            # moto copies the whole table on every transaction: one run of each write is enough.
            for run in range(RUNS if method == "GET" else 1):
                body = b""
                if method == "POST":
                    body = b'{"contact":{"first_name":"Bench","last_name":"Created","project_id":1,"tag_list":"vip"}}'
                elif method == "PUT":
                    body = ('{"contact":{"job_title":"Run %d"}}' % run).encode()
                with meter.measure() as current:
                    t0 = time.perf_counter()
                    response = client.request(method, path, headers=headers, body=body)
                    timings.append((time.perf_counter() - t0) * 1000)
                assert response.status_code in (200, 201, 204), (path, response.status_code, response.body)
                cost = current
            results.append({
                "size": size, "request": name, "calls": cost.calls, "items": cost.items_read,
                "entries": cost.items("Query", crm), "rcu": cost.read_units, "wcu": cost.write_units,
                "ms": statistics.median(timings), "scan": size if is_list else None,
                "scans": cost.scans})
        return results


def main(argv) -> int:
    sizes = [int(a) for a in argv] or [1000, 5000, 20000]
    header = (f"{'contacts':>8} {'request':<22} {'calls':>5} {'items':>6} {'entries':>7} {'rcu~':>7} "
              f"{'wcu~':>5} {'median ms':>9} {'scan reads':>10} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    for size in sizes:
        for row in measure(size):
            ratio = f"{row['scan'] / max(row['items'], 1):.1f}x" if row["scan"] else ""
            print(f"{row['size']:>8} {row['request']:<22} {row['calls']:>5} {row['items']:>6} "
                  f"{row['entries']:>7} {row['rcu']:>7.1f} {row['wcu']:>5.0f} {row['ms']:>9.1f} "
                  f"{row['scan'] or '':>10} {ratio:>6}")
            assert row["scans"] == 0
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
