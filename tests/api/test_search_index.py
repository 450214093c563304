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
    _compare_with_a_scan(api, crm, people, changes, queries)


def _compare_with_a_scan(api, crm, people, changes, queries):
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


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of two ids, so that a handful of contacts fill several and leave holes."""
    from chalicelib.store.crm import GramBlock
    monkeypatch.setattr(GramBlock, "BLOCK", 2)


@settings(max_examples=max(5, EXAMPLES // 2), deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(people=st.lists(contact, min_size=3, max_size=8), changes=st.lists(change, max_size=6),
       queries=st.lists(query, min_size=1, max_size=6))
def test_search_over_many_blocks_equals_a_scan(api, crm, small_blocks, people, changes, queries):
    """The same comparison when every 3-gram's postings spread over blocks of two, with the
    holes renames and deletes leave behind."""
    _compare_with_a_scan(api, crm, people, changes, queries)


@pytest.fixture
def directory_always(monkeypatch):
    """Every short word is looked up in the directory, whatever reading the streams would cost
    instead, and intersected with the 3-grams' candidates however few they are."""
    from chalicelib.services import contact_search
    monkeypatch.setattr(contact_search, "stored", lambda: 10 ** 9)
    monkeypatch.setattr(contact_search, "SHORT_LOOKUP_FROM", 0)


short_query = st.lists(st.one_of(syllable, st.sampled_from(["a", "n", "k", "ss", "5", "@", "+1", "r", "nari"])),
                       min_size=1, max_size=3).map(" ".join)


@settings(max_examples=max(5, EXAMPLES // 2), deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(people=st.lists(contact, min_size=3, max_size=8), changes=st.lists(change, max_size=6),
       queries=st.lists(short_query, min_size=1, max_size=6))
def test_short_words_through_the_directory_equal_a_scan(api, crm, small_blocks, directory_always, people,
                                                         changes, queries):
    """Words of one or two characters answered from the postings of the 3-grams (and short
    runs) the directory lists them under, alone and intersected with longer words: the same
    contacts as a scan."""
    _compare_with_a_scan(api, crm, people, changes, queries)


def _search_ids(api, crm, words) -> list:
    return [c["id"] for c in body_json(api.get("/contacts.json?" + urlencode({"search": words}),
                                               key=crm.admin))["contacts"]]


def _stream_paused_write(api, crm, method, path, body=None):
    from chalicelib.store import embedded
    with embedded.streams_paused():
        return written(getattr(api, method)(path, body, key=crm.admin) if body is not None
                       else getattr(api, method)(path, key=crm.admin))


def _unseen(round_: int) -> str:
    """A name of four letters no other round's names hold (a block of CJK ideographs)."""
    return "".join(chr(0x4E00 + 4 * round_ + i) for i in range(4))


@pytest.mark.parametrize("change", ["create", "rename", "delete"])
def test_a_consumer_failing_at_any_call_is_finished_by_its_retry(api, crm, small_blocks, change):
    """For each call the index consumer makes for one change, that call fails (as AWS would
    answer it) and the retry runs: afterwards the index agrees with the contacts, no id sits
    in two blocks of a 3-gram, and the next change of the contact leaves nothing behind. Each
    round's new name is made of characters no contact had, so its 3-grams are listed in the
    directory of short words then, and those calls fail in turn too."""
    from pynamodb.exceptions import PynamoDBException

    from chalicelib.store import contacts, search
    from tests import faults
    crm.contact(first_name="Ottilie", last_name="Quaxley")       # blocks already in use
    positions = None
    n = 1
    rounds = 0
    while positions is None or n <= positions:
        rounds += 1
        first, renamed = _unseen(2 * rounds), _unseen(2 * rounds + 1)
        if change == "create":
            target = body_json(_stream_paused_write(api, crm, "post", "/contacts.json", {
                "contact": {"first_name": first, "last_name": "Quaxley", "project_id": "support"}}
            ))["contact"]["id"]
        else:
            target = crm.contact(first_name=first, last_name="Quaxley")
            if change == "rename":
                _stream_paused_write(api, crm, "put", f"/contacts/{target}.json",
                                     {"contact": {"first_name": renamed}})
            else:
                _stream_paused_write(api, crm, "delete", f"/contacts/{target}.json")
        contacts.refresh_entries(target)     # the consumer's other part, which this test leaves be
        if positions is None:
            with faults.counting() as plan:
                search.index_contact(target)
            positions = len(plan.calls)
            assert positions > 4, plan.calls
        else:
            with faults.failing(n, faults.INTERNAL) as plan:
                with pytest.raises(PynamoDBException):
                    search.index_contact(target)
            assert plan.injected, n
            search.index_contact(target)        # the batch, retried
            n += 1
        assert consistency.check().problems == [], (change, n)
        assert (target in _search_ids(api, crm, f"{first} quaxley")) == (change == "create"), (change, n)
        assert (target in _search_ids(api, crm, renamed)) == (change == "rename"), (change, n)
        assert (target in _search_ids(api, crm, renamed[1])) == (change == "rename"), (change, n)
        if change != "delete":
            written(api.put(f"/contacts/{target}.json", {"contact": {"first_name": "Xaver", "last_name": "Yelm"}},
                            key=crm.admin))
            assert consistency.check().problems == [], (change, n)
            written(api.delete(f"/contacts/{target}.json", key=crm.admin))
        assert consistency.check().problems == [], (change, n)


def test_a_directory_shard_filled_to_the_item_limit_stops_its_part_being_looked_up(api, crm, directory_always,
                                                                                  monkeypatch):
    """Text crafted to fill a directory shard to DynamoDB's 400 KB (its answer to one more
    3-gram stood in for here; moto does not enforce the limit on updates): the consumer does not
    fail on it for ever but marks the part overfull; a search for that part reads the streams
    and still answers exactly, other parts keep their directory, and the checker is content."""
    from botocore.exceptions import ClientError
    from pynamodb.exceptions import UpdateError

    from chalicelib.store.crm import GramDirectory
    full = GramDirectory.key("q", "qzq")
    update = GramDirectory.update

    def at_the_limit(item, *args, **kwargs):
        if (item.pk, item.sk) == full:
            raise UpdateError("Failed to update item", ClientError(
                {"Error": {"Code": "ValidationException",
                           "Message": "Item size has exceeded the maximum allowed size"}}, "UpdateItem"))
        return update(item, *args, **kwargs)
    monkeypatch.setattr(GramDirectory, "update", at_the_limit)
    target = crm.contact(first_name="Qzq", last_name="Lemberg")        # its only 3-gram holding "q"
    other = crm.contact(first_name="Quill", last_name="Aqz")
    assert GramDirectory.count(full[0], GramDirectory.sk == GramDirectory.OVERFULL) == 1
    assert sorted(_search_ids(api, crm, "q")) == sorted([target, other])
    assert _search_ids(api, crm, "zq") == [target]
    assert set(_search_ids(api, crm, "qz")) == {target, other}
    assert consistency.check().problems == []


def test_a_search_of_many_short_words_reads_a_few_directories(api, crm, directory_always):
    """Hundreds of one-character words cost a handful of directory Queries, not one each, and
    the answer still holds every word."""
    from chalicelib.services.contact_search import MOST_SHORT_LOOKUPS
    from chalicelib.store import meter
    wanted = crm.contact(first_name="Abc", last_name="Def")
    crm.contact(first_name="Abd", last_name="Xyz")
    words = "a b c d e f " + " ".join(chr(0x4E00 + i) for i in range(300))
    r = api.get("/contacts.json?" + urlencode({"search": "a b c d e f"}), key=crm.admin)
    assert [c["id"] for c in body_json(r)["contacts"]] == [wanted]
    with meter.measure() as cost:
        r = api.get("/contacts.json?" + urlencode({"search": words}), key=crm.admin)
    assert body_json(r)["contacts"] == []
    assert cost.operations["Query"] <= MOST_SHORT_LOOKUPS + 5, cost.line()
