"""What reading a Query answer of index entries costs in CPU, botocore's and pynamodb's way
against store/wire.py and store/reading.py: one answer of N entries shaped like the contact
index entries lists read, parsed and made into models, best of several runs.

    .venv/bin/python bench/reading.py [ENTRIES]
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

from chalicelib.store import reading, wire  # noqa: E402
from chalicelib.store.crm import ContactIndexEntry  # noqa: E402


def answer(entries: int) -> dict:
    items = [{"pk": {"S": f"contact#{i}"}, "sk": {"S": "entry#bucket#project#1"}, "kind": {"S": "entry"},
              "stream": {"S": "bucket#project#1"}, "order": {"S": f"smith\x1fanna\x1f{i:012d}"},
              "contact_id": {"N": str(i)}, "visibility": {"N": "0"}, "project_ids": {"L": [{"N": "1"}]},
              "author_id": {"N": "1"}, "assigned_to_id": {"N": "3"}, "tags": {"L": [{"S": "vip"}]},
              "is_company": {"BOOL": False}} for i in range(entries)]
    body = json.dumps({"Items": items, "Count": entries, "ScannedCount": entries}).encode()
    return {"body": body, "headers": {"x-amzn-requestid": "bench"}, "status_code": 200}


def best(run, times: int = 15) -> float:
    spent = []
    for _ in range(times):
        started = time.process_time()
        run()
        spent.append(time.process_time() - started)
    return min(spent) * 1000


def main(entries: int) -> None:
    shape = botocore.session.get_session().get_service_model("dynamodb").operation_model("Query").output_shape
    response = answer(entries)
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


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
