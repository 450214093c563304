"""What each kind of request costs on 1,000, 5,000 and 20,000 contacts, counted as DynamoDB
bills it (chalicelib/store/meter.py: item sizes by its rules, 4 KB read and 1 KB write units,
transactions doubled, index writes included).

    .venv/bin/python bench/list_cost.py [SIZE ...]

Each size is seeded on moto (4 projects, 10 tags, 5 assignees, 5 % private contacts, a deal and a ticket
per ten contacts) and each row is printed as soon as it is measured: the list's total_count,
items read, read units,
write units, own CPU (the request's CPU outside moto and outside the meter's sizing of answers
by DynamoDB's rules, which on AWS takes DynamoDB's own account instead; one thread), and how many times the
request's read units a Scan of the same table would cost; the search index consumer's writes
are counted apart, as are those of the consumer that keeps each contact's index entries (entries
WCU, search WCU: on AWS another function's, off the request path). Moto's own time is left out: it
says nothing about DynamoDB. The runs use the tests' moto accelerator (Queries read only their
partition; tests/fast_moto.py), which the whole API suite also runs through.
"""
import sys
import time

from on_moto import accelerate, moto  # first: it sets the environment moto and the app read

RUNS = 3


class MotoClock:
    """CPU spent inside moto's answers, the search index consumer's work included (it runs
    inside the write's answer here, and in another function on AWS)."""

    def __init__(self):
        from moto.core.botocore_stubber import BotocoreStubber
        self.spent, self.depth = 0.0, 0
        original = BotocoreStubber.process_request
        clock = self

        def process_request(stub, request):
            clock.depth += 1
            started = time.process_time()
            try:
                return original(stub, request)
            finally:
                clock.depth -= 1
                if clock.depth == 0:
                    clock.spent += time.process_time() - started
        BotocoreStubber.process_request = process_request


class SizingClock:
    """CPU the cost meter spends sizing answers by DynamoDB's rules. On AWS it takes the units
    DynamoDB reports instead (meter.reported), so a request's own CPU leaves this out. Made
    before any botocore session, whose handlers it wraps."""

    def __init__(self):
        from botocore.handlers import BUILTIN_HANDLERS

        from chalicelib.store import meter
        self.spent = 0.0
        original, clock = meter._after_call, self

        def timed(**kwargs):
            started = time.process_time()
            try:
                return original(**kwargs)
            finally:
                clock.spent += time.process_time() - started
        for position, entry in enumerate(BUILTIN_HANDLERS):
            if entry[1] is original:
                BUILTIN_HANDLERS[position] = (entry[0], timed, *entry[2:])


class IndexMeter:
    """What a part of the crm stream's consumer writes, apart from the request."""

    def __init__(self, handler):
        self.handler, self.write_units = handler, 0.0

    def __call__(self, records):
        from chalicelib.store import meter
        with meter.measure() as cost:
            result = self.handler(records)
        self.write_units += cost.write_units
        return result


def requests_for(sample):
    project, tag = sample.project_ids[0], sample.tags[0]
    mine = sample.member_projects[0]
    admin, member = sample.admin_key, sample.member_key
    return [
        ("admin list p1", "GET", "/contacts.json", admin),
        ("admin list p10", "GET", "/contacts.json?page=10", admin),
        ("admin project p1", "GET", f"/contacts.json?project_id={project}", admin),
        ("member list p1", "GET", "/contacts.json", member),
        ("member list p10", "GET", "/contacts.json?page=10", member),
        ("member project p1", "GET", f"/contacts.json?project_id={mine}", member),
        ("member tag filter", "GET", f"/contacts.json?tags={tag}", member),
        ("admin sorted by company (whole stream)", "GET", "/contacts.json?sort=company", admin),
        ("member sorted by company", "GET", "/contacts.json?sort=company", member),
        ("admin search 'zyxwvut'", "GET", "/contacts.json?search=zyxwvut", admin),
        ("admin search 'anna.smith'", "GET", "/contacts.json?search=anna.smith", admin),
        ("admin search 'smith'", "GET", "/contacts.json?search=smith", admin),
        ("admin search 'qqqqq' (no match)", "GET", "/contacts.json?search=qqqqq", admin),
        ("member search 'anna.smith'", "GET", "/contacts.json?search=anna.smith", member),
        ("admin search 'jo' (2 characters)", "GET", "/contacts.json?search=jo", admin),
        ("admin search 'k ov' (short words)", "GET", "/contacts.json?search=k+ov", admin),
        ("admin search 'v' (1 character)", "GET", "/contacts.json?search=v", admin),
        ("member search 'jo'", "GET", "/contacts.json?search=jo", member),
        ("member contacts_tags", "GET", "/contacts_tags.json", member),
        ("admin deals p1", "GET", "/deals.json", admin),
        ("member deals p1", "GET", "/deals.json", member),
        ("admin tickets p1", "GET", "/tickets.json", admin),
        ("member tickets p1", "GET", "/tickets.json", member),
        ("create (1 project, 2 tags, assignee)", "POST", "/contacts.json", admin),
        ("update one field", "PUT", "/contacts/{created}.json", admin),
        ("delete", "DELETE", "/contacts/{created}.json", admin),
    ]


def table_read_units() -> float:
    """What one eventually consistent Scan of the crm table costs, by DynamoDB's rules."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.store import meter
    from chalicelib.store.crm import CrmItem
    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables[CrmItem.Meta.table_name]
    size = sum(meter.item_size(item.to_json()["Attributes"]) for item in table.all_items())
    return meter.read_blocks(size) * 0.5


def measure(size: int, clock: MotoClock, sizing: SizingClock, entries: IndexMeter, index: IndexMeter):
    import json

    with moto.mock_aws():
        from chalice.test import Client

        from app import app
        from chalicelib.local import sample as samples
        from chalicelib.services.defaults import ensure_defaults
        from chalicelib.store import contacts, meter
        from chalicelib.store.operations import create_tables

        contacts.PARALLEL_READS = 1       # one thread, so that CPU time is the request's own
        create_tables()
        ensure_defaults()
        started = time.perf_counter()
        sample = samples.build(size, deals=size // 10, tickets=size // 10)
        print(f"# seeded {size} contacts, {size // 10} deals and {size // 10} tickets in "
              f"{time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)
        scan = table_read_units()
        client = Client(app).http
        created = None
        for name, method, path, key in requests_for(sample):
            headers = {"X-Redmine-API-Key": key, "Content-Type": "application/json"}
            path = path.format(created=created)
            body = b""
            if method == "POST":
                body = json.dumps({"contact": {"first_name": "Bench", "last_name": "Created", "project_id": 1,
                                               "tag_list": "vip, lead", "assigned_to_id": sample.assignee_ids[0]}}).encode()
            elif method == "PUT":
                body = b'{"contact":{"job_title":"Changed"}}'
            best, index_before, entries_before = None, index.write_units, entries.write_units
            for _ in range(RUNS if method == "GET" else 1):
                with meter.measure() as cost:
                    moto_before, sized_before, cpu_before = clock.spent, sizing.spent, time.process_time()
                    response = client.request(method, path, headers=headers, body=body)
                    own = (time.process_time() - cpu_before) - (clock.spent - moto_before) - \
                        (sizing.spent - sized_before)
                assert response.status_code in (200, 201, 204), (path, response.status_code, response.body[:300])
                assert cost.scans == 0, path
                best = own if best is None else min(best, own)
            if method == "POST":
                created = json.loads(response.body)["contact"]["id"]
            ratio = f"{scan / cost.read_units:,.0f}x" if method == "GET" and cost.read_units else ""
            answered = json.loads(response.body).get("total_count") if method == "GET" else None
            yield {"size": size, "request": name, "answered": answered, "items": cost.items_read, "rcu": cost.read_units,
                   "wcu": cost.write_units, "own_ms": best * 1000, "scan_rcu": scan, "ratio": ratio,
                   "index_wcu": index.write_units - index_before, "entries_wcu": entries.write_units - entries_before}


def main(argv) -> int:
    sizing = SizingClock()
    accelerate()
    from chalicelib.consumers import contact_entries, search_index
    from chalicelib.store.embedded import consume_streams, serialize_calls, undo_transactions_by_item
    serialize_calls()
    undo_transactions_by_item()
    entries, index = IndexMeter(contact_entries.handle), IndexMeter(search_index.handle)
    consume_streams(entries)
    consume_streams(index)
    clock = MotoClock()
    sizes = [int(a) for a in argv] or [1000, 5000, 20000]
    header = (f"{'contacts':>8} | {'request':<38} | {'total':>6} | {'items':>6} | {'RCU':>7} | {'WCU':>5} | "
              f"{'entries WCU':>11} | {'search WCU':>10} | {'own CPU ms':>10} | {'Scan RCU':>8} | {'Scan / request':>14}")
    print(header)
    print("-" * len(header), flush=True)
    for size in sizes:
        for row in measure(size, clock, sizing, entries, index):
            answered = "" if row["answered"] is None else row["answered"]
            print(f"{row['size']:>8} | {row['request']:<38} | {answered:>6} | {row['items']:>6} | {row['rcu']:>7.1f} | "
                  f"{row['wcu']:>5.0f} | {row['entries_wcu'] or '':>11} | {row['index_wcu'] or '':>10} | {row['own_ms']:>10.1f} | "
                  f"{row['scan_rcu']:>8.0f} | {row['ratio']:>14}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
