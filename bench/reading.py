"""What reading a Query answer of index entries costs in CPU, botocore's and pynamodb's way
against store/wire.py and store/reading.py: one answer of N entries shaped like the contact
index entries lists read, parsed and made into models, best of several runs.

    .venv/bin/python bench/reading.py [ENTRIES] [--updated]

With --updated the entries are shaped like those of the "updated" stream (company, job title,
search text, updated_on), which whole-stream lists read. The light rows lists make instead of
models, and the meter's sizing of each entry, are timed too.
"""
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import botocore.session  # noqa: E402
from botocore.parsers import create_parser  # noqa: E402

from chalicelib.store import meter, reading, wire  # noqa: E402
from chalicelib.store.crm import ContactIndexEntry  # noqa: E402


def answer(entries: int, full: bool) -> dict:
    items = [{"pk": {"S": f"contact#{i}"}, "sk": {"S": "entry#bucket#project#1"}, "kind": {"S": "entry"},
              "stream": {"S": "bucket#project#1"}, "order": {"S": f"smith\x1fanna\x1f{i:012d}"},
              "contact_id": {"N": str(i)}, "visibility": {"N": "0"}, "project_ids": {"L": [{"N": "1"}]},
              "author_id": {"N": "1"}, "assigned_to_id": {"N": "3"}, "tags": {"L": [{"S": "vip"}]},
              "is_company": {"BOOL": False}} for i in range(entries)]
    if full:     # as the "updated" stream holds them, which whole-stream lists read
        for item in items:
            item.update({"first_name": {"S": "anna"}, "last_name": {"S": "smith"}, "name": {"S": "Anna Smith"},
                         "created_on": {"S": "2026-11-30T10:00:00Z"}, "stream": {"S": "updated"}, "sk": {"S": "entry#updated"}, "company": {"S": "acme corp"},
                         "job_title": {"S": "engineer"}, "updated_on": {"S": "2026-11-30T10:00:00Z"},
                         "search": {"S": "anna\x1fsmith\x1facme corp\x1fengineer\x1fanna.smith@example.com\x1f+1 555 0100"},
                         "order": {"S": f"2026-11-30T10:00:00Z\x01{item['contact_id']['N'].zfill(12)}"}})
    body = json.dumps({"Items": items, "Count": entries, "ScannedCount": entries}).encode()
    return {"body": body, "headers": {"x-amzn-requestid": "bench"}, "status_code": 200}


def best(run, times: int = 15) -> float:
    spent = []
    for _ in range(times):
        started = time.process_time()
        run()
        spent.append(time.process_time() - started)
    return min(spent) * 1000


def main(entries: int, full: bool) -> None:
    shape = botocore.session.get_session().get_service_model("dynamodb").operation_model("Query").output_shape
    response = answer(entries, full)
    botocore_parser, json_parser = create_parser("json"), wire.ParserFactory().create_parser("json")
    raw = json_parser.parse(response, shape)["Items"]
    assert raw == botocore_parser.parse(response, shape)["Items"]
    rows = [("parse the answer", best(lambda: botocore_parser.parse(response, shape)),
             best(lambda: json_parser.parse(response, shape))),
            ("make the models", best(lambda: [ContactIndexEntry._instantiate(i) for i in raw]),
             best(lambda: [reading.instantiate(ContactIndexEntry, i) for i in raw]))]
    print(f"{entries} index entries, CPU ms (best of 15) | botocore + pynamodb | wire + reading")
    for name, theirs, ours in rows:
        print(f"{name:<17} | {theirs:>18.1f} | {ours:>14.1f}")
    print(f"{'together':<17} | {sum(r[1] for r in rows):>18.1f} | {sum(r[2] for r in rows):>14.1f}")
    make = reading.rows(ContactIndexEntry)
    print(f"{'make light rows':<17} | {'':>18} | {best(lambda: [make(i) for i in raw]):>14.1f}")
    print(f"{'size the entries':<17} | {'':>18} | {best(lambda: [meter.item_size(i) for i in raw]):>14.1f}")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--updated"]
    main(int(arguments[0]) if arguments else 300, "--updated" in sys.argv)
