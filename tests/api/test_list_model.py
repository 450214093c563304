"""Lists that decide on what only a contact's "updated" entry carries (its updated_on, company,
job title and search text), against a model computed from the stored contacts: hypothesis
writes contacts through the API and changes some, then an admin and a member list them with
sorts by company, job title and updated_on, updated_on and created_on ranges (some contacts
stamped as an import stamps them), short search words, projects and tags, and every answer is
compared: ids in order, and the total."""
import os
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from chalicelib.store import consistency
from chalicelib.store import contacts as contact_store
from chalicelib.store.contacts import fold, name_order, search_text
from chalicelib.store.versions import optimistic
from tests.conftest import SUMMARY, body_json, written

pytestmark = pytest.mark.generated
EXAMPLES = int(os.environ.get("LIST_EXAMPLES", "15"))
COUNTS = {"worlds": 0, "lists": 0}

word = st.sampled_from(["an", "Ko", "ri", "Äb", "smith", "ß"])
text = st.lists(word, min_size=1, max_size=3).map("".join)
person = st.fixed_dictionaries({
    "first_name": text, "last_name": st.none() | text, "company": st.none() | text,
    "job_title": st.none() | text, "visibility": st.sampled_from([0, 1, 2]), "author": st.sampled_from(["admin", "dev"]),
    "in_other": st.booleans(), "tags": st.lists(st.sampled_from(["vip", "Lead"]), max_size=2, unique=True),
    # Created and updated on these days, as an import writes them (updated may say before created).
    "imported": st.none() | st.tuples(st.sampled_from(["2025-01-01", "2025-06-01", "2026-01-01"]),
                                      st.sampled_from(["2024-12-01", "2025-06-01", "2026-02-01"])),
})
change = st.tuples(st.integers(0, 100), st.sampled_from(["company", "job_title", "background"]), text)
SORTS = ["company", "company:desc", "job_title", "updated_on", "updated_on:desc", "job_title:desc,updated_on",
         "last_name"]
query = st.fixed_dictionaries({
    "sort": st.sampled_from(SORTS), "since": st.booleans(), "project": st.sampled_from([None, "home", "other"]),
    "tag": st.none() | st.sampled_from(["vip", "lead"]), "search": st.none() | st.sampled_from(["an", "ko", "ß"]),
    "offset": st.sampled_from([0, 1, 3]),
    "created": st.none() | st.sampled_from([">=2025-06-01", "<=2025-06-01", "><2025-01-01|2025-12-31", "2026-01-01"]),
})


def _created_in(stamp: str, condition: str) -> bool:
    """The created_on parameter's meaning, days as whole days."""
    if condition.startswith(">="):
        return stamp >= condition[2:] + "T00:00:00Z"
    if condition.startswith("<="):
        return stamp <= condition[2:] + "T23:59:59Z"
    if condition.startswith("><"):
        low, high = condition[2:].split("|")
        return low + "T00:00:00Z" <= stamp <= high + "T23:59:59Z"
    return condition + "T00:00:00Z" <= stamp <= condition + "T23:59:59Z"


def _stamp(contact_id: int, created_day: str, updated_day: str) -> None:
    """The contact's times set as an import sets them."""
    def write(record, previous):
        record.created_on, record.updated_on = created_day + "T08:00:00Z", updated_day + "T09:00:00Z"
        contact_store.save(record, previous)
    optimistic(contact_store.get(contact_id), write, lambda: contact_store.get(contact_id))


def _model(records, caller_sees, q, since, project_ids):
    chosen = [r for r in records if caller_sees(r)
              and (q["tag"] is None or q["tag"] in {fold(t) for t in r.tags})
              and (q["search"] is None or fold(q["search"]) in search_text(r))
              and (since is None or r.updated_on >= since)
              and (project_ids is None or project_ids & {int(p) for p in r.project_ids})
              and (q.get("created") is None or _created_in(r.created_on, q["created"]))]
    chosen.sort(key=name_order)
    for part in reversed(q["sort"].split(",")):
        name, _, direction = part.partition(":")
        value = (lambda r: r.updated_on) if name == "updated_on" else (lambda r, n=name: fold(getattr(r, n)) or "")
        chosen.sort(key=value, reverse=direction == "desc")
    return [int(r.id) for r in chosen]


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(people=st.lists(person, min_size=1, max_size=8), changes=st.lists(change, max_size=5),
       queries=st.lists(query, min_size=1, max_size=6))
def test_lists_on_what_the_updated_entry_carries_equal_a_model(api, crm, people, changes, queries):
    _compare(api, crm, people, changes, queries)


by_updated_on = st.fixed_dictionaries({
    "sort": st.sampled_from(["updated_on", "updated_on:desc"]), "since": st.just(False),
    "project": st.sampled_from([None, "home", "other"]), "tag": st.none(), "search": st.none(),
    "offset": st.integers(0, 6),
})


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(people=st.lists(person, min_size=3, max_size=10), changes=st.lists(change, max_size=4),
       queries=st.lists(by_updated_on, min_size=2, max_size=6))
def test_lists_by_updated_on_read_from_the_end_equal_a_model(api, crm, people, changes, queries):
    """Sorted by updated_on alone, a list reads the "updated" stream from the end its sort
    starts at, and the contacts changed in the same second as its last one (the default order
    breaks those ties): pages of two, projects, and callers who see private contacts as their own."""
    _compare(api, crm, people, changes, queries)


def _compare(api, crm, people, changes, queries):
    projects = {name: _project(api, crm, name) for name in ("home", "other")}
    if "lister" not in crm.people.keys:
        crm.member("lister", projects["home"], "Reporter")
        for project in projects.values():       # a Developer: sees private contacts it wrote only
            crm.member("dev", project, "Developer")
    ids = []
    for p in people:
        fields = {k: p[k] for k in ("first_name", "last_name", "company", "job_title") if p[k] is not None}
        fields.update(visibility=p["visibility"], tag_list=", ".join(p["tags"]),
                      project_ids=[projects["home"]] + ([projects["other"]] if p["in_other"] else []))
        ids.append(crm.contact(key=crm.key(p["author"]), project=projects["home"], **fields))
        if p.get("imported"):
            _stamp(ids[-1], *p["imported"])
    for which, field, value in changes:
        written(api.put(f"/contacts/{ids[which % len(ids)]}.json", {"contact": {field: value}}, key=crm.admin))
    records = list(contact_store.get_many(ids).values())
    assert all(r.updated_on >= r.created_on for r in records)     # never updated before created
    assert {frozenset(int(p) for p in r.project_ids) for r in records} <= \
        {frozenset({projects["home"]}), frozenset(projects.values())}
    middle = sorted(r.updated_on for r in records)[len(records) // 2]

    def member_sees(record):
        return int(record.visibility) == 1 or (int(record.visibility) == 0 and
                                               projects["home"] in {int(p) for p in record.project_ids})

    def developer_sees(record):
        return int(record.visibility) != 2 or int(record.author_id) == crm.user_id("dev")
    for q in queries:
        params = {"sort": q["sort"], "limit": "100"}
        if q["since"]:
            params["updated_on"] = ">=" + middle
        if q["project"]:
            params["project_id"] = str(projects[q["project"]])
        if q["tag"]:
            params["tags"] = q["tag"]
        if q["search"]:
            params["search"] = q["search"]
        if q.get("created"):
            params["created_on"] = q["created"]
        project_ids = {projects[q["project"]]} if q["project"] else None
        for login, sees in (("admin", lambda r: True), ("lister", member_sees), ("dev", developer_sees)):
            if login == "lister" and q["project"] == "other":
                continue      # not a member there: 403, checked elsewhere
            r = api.get("/contacts.json?" + urlencode(params), key=crm.key(login))
            doc = body_json(r)
            expected = _model(records, sees, q, middle if q["since"] else None, project_ids)
            assert [c["id"] for c in doc["contacts"]] == expected, (login, params)
            assert doc["total_count"] == len(expected), (login, params)
            paged = body_json(api.get("/contacts.json?" + urlencode(dict(params, limit="2", offset=str(q["offset"]))),
                                      key=crm.key(login)))
            assert [c["id"] for c in paged["contacts"]] == expected[q["offset"]:q["offset"] + 2], (login, params)
            assert paged["total_count"] == len(expected), (login, params)
            COUNTS["lists"] += 2
    assert consistency.check().problems == []
    COUNTS["worlds"] += 1
    for contact_id in ids:
        written(api.delete(f"/contacts/{contact_id}.json", key=crm.admin))


def _project(api, crm, name):
    r = api.get(f"/projects/{name}.json", key=crm.admin)
    if r.status_code == 200:
        return body_json(r)["project"]["id"]
    return crm.project(name)


def teardown_module(module):
    SUMMARY.append(f"lists: {COUNTS['worlds']} generated CRMs, {COUNTS['lists']} lists sorted and filtered "
                   f"on updated entries compared with a model (LIST_EXAMPLES={EXAMPLES})")
