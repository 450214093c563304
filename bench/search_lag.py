"""How long the crm stream's consumer takes to bring one changed contact into its index entries
and the search index: its share of the lag between a write's answer and a list or search that
shows it (SPEC section 1). On AWS the lag is the stream's delivery to the `Indexes` function
plus this; here there is no stream service to time, so only this part is measured.

    .venv/bin/python bench/search_lag.py [CONTACTS] [LATENCY_MS ...]

A sample CRM of CONTACTS (default 1,000) is seeded on moto. For each kind of change, the write
is made through the API with the stream paused, then the consumer is run on that contact's
stream record as Lambda hands it. Measured: its DynamoDB calls and write units (the cost
meter), its own CPU (outside moto, best of 3 changes), and its *round trips*: the calls that
must wait for one another, the calls it sends together (eight at a time) scheduled as a pool
of eight would run them. The consumer's share of the lag at a round-trip latency L is then own
CPU + round trips x L, printed for each LATENCY_MS (default 5 and 10). Each row also says
whether a search found the change afterwards.
"""
import sys
import threading
import time
from urllib.parse import quote

from on_moto import accelerate, moto  # first: it sets the environment moto and the app read

RUNS = 3


class RoundTrips:
    """Counts the calls on the critical path: every moto call adds one to the path it is on;
    `concurrently(calls, at_once)` runs each call on a path of its own (here one after the
    other) and adds to its caller's path how long a pool of `at_once` threads, taking them in
    order, takes to finish them all. Also keeps the CPU spent inside moto."""

    def __init__(self):
        from moto.core.botocore_stubber import BotocoreStubber
        from chalicelib.store import search
        self.local, self.moto_cpu = threading.local(), 0.0
        original, trips = BotocoreStubber.process_request, self

        def process_request(stub, request):
            trips.paths()[-1] += 1
            started = time.process_time()
            try:
                return original(stub, request)
            finally:
                trips.moto_cpu += time.process_time() - started
        BotocoreStubber.process_request = process_request
        sent_together = search.concurrently

        def concurrently(calls, at_once=None):
            lengths = []
            for call in calls:
                self.paths().append(0)
                try:
                    sent_together([call], at_once)
                finally:
                    lengths.append(self.paths().pop())
            self.paths()[-1] += self.finished_after(lengths, at_once or 8)
        search.concurrently = concurrently

    def paths(self) -> list:
        if not hasattr(self.local, "paths"):
            self.local.paths = [0]
        return self.local.paths

    @staticmethod
    def finished_after(lengths, workers: int) -> int:
        free = [0] * workers
        for length in lengths:
            free[free.index(min(free))] += length
        return max(free, default=0)

    def measure(self, run) -> tuple:
        """(round trips, own CPU seconds) of run()."""
        self.paths()[:] = [0]
        moto_before, cpu_before = self.moto_cpu, time.process_time()
        run()
        return self.paths()[0], (time.process_time() - cpu_before) - (self.moto_cpu - moto_before)


def changes(round_: int, project_id: int):
    """(name, method, path or None for the contact made first, body, a search that finds the
    change afterwards (None: a search that must not)). Each round's names are new to the index
    where a name is meant to be."""
    fresh = "".join(chr(0x4E00 + 8 * round_ + i) for i in range(4))     # 3-grams no contact holds
    return [
        ("create (a name the index lacks)", "POST", None,
         {"contact": {"first_name": fresh, "last_name": "Novak", "project_id": project_id}}, fresh),
        ("create (names the index holds)", "POST", None,
         {"contact": {"first_name": "Anna", "last_name": "Smith", "email": f"anna.smith{round_}@example.com",
                      "project_id": project_id}}, f"anna.smith{round_}@"),
        ("rename (first name)", "PUT", "{id}", {"contact": {"first_name": f"Quinton{round_}"}}, f"quinton{round_}"),
        ("job title changed", "PUT", "{id}", {"contact": {"job_title": f"Buyer {round_}"}}, f"buyer {round_}"),
        ("delete", "DELETE", "{id}", None, None),
    ]


def main(argv) -> int:
    size = int(argv[0]) if argv else 1000
    latencies = [float(a) for a in argv[1:]] or [5.0, 10.0]
    accelerate()
    from chalicelib.store.embedded import serialize_calls, undo_transactions_by_item
    serialize_calls()
    undo_transactions_by_item()     # a failed transaction undoes its own items, not a copy of the table
    with moto.mock_aws():
        import json

        from chalice.test import Client

        from app import app
        from chalicelib.consumers import crm_stream
        from chalicelib.local import sample as samples
        from chalicelib.services.defaults import ensure_defaults
        from chalicelib.store import meter
        from chalicelib.store.operations import create_tables

        trips = RoundTrips()
        create_tables()
        ensure_defaults()
        sample = samples.build(size)
        client = Client(app).http
        headers = {"X-Redmine-API-Key": sample.admin_key, "Content-Type": "application/json"}

        def call(method, path, body=None):
            response = client.request(method, path, headers=headers, body=json.dumps(body).encode() if body else b"")
            assert response.status_code in (200, 201, 204), (path, response.status_code, response.body[:300])
            return json.loads(response.body) if response.body else None

        def found(words):
            return call("GET", f"/contacts.json?search={quote(words)}&limit=100")["total_count"]

        kinds = {}
        for round_ in range(1, RUNS + 1):
            target = None
            for name, method, path, body, words in changes(round_, sample.project_ids[0]):
                if path is None:
                    target = call(method, "/contacts.json", body)["contact"]["id"]
                else:
                    call(method, f"/contacts/{target}.json", body)
                with meter.measure() as cost:
                    rounds, own = trips.measure(lambda t=target: crm_stream.follow(t))
                seen = found(words) > 0 if words else found(f"quinton{round_}") == 0
                best = kinds.get(name)
                if best is None or own < best[3]:
                    kinds[name] = (cost.calls, cost.write_units, rounds, own, seen)
                if name.endswith("lacks)"):       # only there to be indexed
                    call("DELETE", f"/contacts/{target}.json")
                    crm_stream.follow(target)
        header = (f"{'change':<32} | {'calls':>5} | {'WCU':>5} | {'round trips':>11} | {'own CPU ms':>10} | " +
                  " | ".join(f"{f'lag at {latency:g} ms':>13}" for latency in latencies) + " | found")
        print(f"# {size} contacts")
        print(header)
        print("-" * len(header), flush=True)
        for name, (calls, units, rounds, own, seen) in kinds.items():
            lags = " | ".join(f"{(own + rounds * latency / 1000) * 1000:>10.1f} ms" for latency in latencies)
            print(f"{name:<32} | {calls:>5} | {units:>5.0f} | {rounds:>11} | {own * 1000:>10.1f} | {lags} | "
                  f"{'yes' if seen else 'NO'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
