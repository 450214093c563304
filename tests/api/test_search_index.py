"""Search against a brute-force scan: hypothesis writes contacts through the API (creates,
renames, deletes), the index consumer runs after each write as on the embedded store, and every
search answers exactly the contacts whose text holds all its words, in order, with the count."""
import os
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from chalicelib.store import consistency
from chalicelib.store.contacts import fold, name_order, search_text
from chalicelib.store import contacts as contact_store
from tests.conftest import SUMMARY, body_json, written

pytestmark = pytest.mark.generated
EXAMPLES = int(os.environ.get("SEARCH_EXAMPLES", "25"))
COUNTS = {"worlds": 0, "searches": 0}

# A small alphabet, so that words collide with many contacts' texts and with each other.
syllable = st.sampled_from(["an", "na", "ri", "ko", "smi", "th", "ÄR", "ß", "o", "x"])
text = st.lists(syllable, min_size=1, max_size=4).map("".join)
contact = st.fixed_dictionaries({
    "first_name": text, "last_name": st.none() | text, "company": st.none() | text,
    "job_title": st.none() | text,
    "email": st.none() | text.map(lambda t: f"{t}@ex.org"),
    "phone": st.none() | st.sampled_from(["+1 555 0101", "555-77", "0101"]),
})
change = st.tuples(st.sampled_from(["rename", "delete", "retitle"]), st.integers(0, 100), text)
query = st.lists(st.one_of(text, syllable, st.sampled_from(["555", "ex.org", "@", "nomatch"])),
                 min_size=1, max_size=3).map(" ".join)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(people=st.lists(contact, min_size=1, max_size=8), changes=st.lists(change, max_size=4),
       queries=st.lists(query, min_size=1, max_size=6))
def test_search_equals_a_scan_of_the_contacts(api, crm, people, changes, queries):
    ids = []
    for person in people:
        fields = {k: v for k, v in person.items() if v is not None}
        ids.append(crm.contact(**fields))
    for kind, which, value in changes:
        target = ids[which % len(ids)]
        if kind == "delete":
            if api.get(f"/contacts/{target}.json", key=crm.admin).status_code == 200:
                written(api.delete(f"/contacts/{target}.json", key=crm.admin))
        elif api.get(f"/contacts/{target}.json", key=crm.admin).status_code == 200:
            field = "first_name" if kind == "rename" else "job_title"
            written(api.put(f"/contacts/{target}.json", {"contact": {field: value}}, key=crm.admin))
    stored = [c for c in contact_store.get_many(ids).values()]
    for words in queries:
        folded = [fold(w) for w in words.split() if fold(w)]
        expected = sorted((c for c in stored if all(w in search_text(c) for w in folded)), key=name_order)
        r = api.get("/contacts.json?" + urlencode({"search": words, "limit": "100"}), key=crm.admin)
        doc = body_json(r)
        assert doc["total_count"] == len(expected), words
        assert [c["id"] for c in doc["contacts"]] == [int(c.id) for c in expected], words
        COUNTS["searches"] += 1
    assert consistency.check().problems == []
    COUNTS["worlds"] += 1
    for contact_id in ids:     # the next example starts from nothing
        if contact_store.get(contact_id) is not None:
            written(api.delete(f"/contacts/{contact_id}.json", key=crm.admin))


def teardown_module(module):
    SUMMARY.append(f"search: {COUNTS['worlds']} generated CRMs, {COUNTS['searches']} searches "
                   f"compared with a scan (SEARCH_EXAMPLES={EXAMPLES})")
