"""Contacts in DynamoDB: the index entries a contact has, the one transaction that writes a
contact with its changed entries and counters, and the reads lists and shows need.

Every contact is in the stream "all" and in exactly one *bucket*: its visibility class with the exact set of its
projects ("bucket#project#1,3"). Buckets are disjoint, so any caller's list is a merge of the
buckets it may see and its count a sum of their counters; a private contact also has an entry
in the "own" stream of its author and of its assignee, for those who see it only as theirs.

A contact and its counter changes are written in one TransactWriteItems conditioned on the
contact's version, so a concurrent writer makes the transaction fail (VersionConflict) instead
of losing an update, and counts never disagree with the contacts. Its entries follow it: the
crm table's stream consumer brings them in line with the contact as it is then
(`refresh_entries`), as the embedded store does right after each write. Lists read them through
an index that lags on AWS anyway; a transaction would bill each entry twice.
"""
import contextlib
import contextvars
import heapq
import random
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

from chalicelib import config

from . import meter, reading
from .crm import BucketCounter, ContactIndexEntry, ContactRecord, StreamCounter, Tombstone, bounded_key
from .operations import fetch, fetch_many, now, rewrite
from .versions import TRANSACTION_LIMIT, TooManyChanges, apply, condition, run

ALL, UPDATED = "all", "updated"
CLASSES = {0: "project", 1: "public", 2: "private"}     # visibility → bucket class
PRIVATE = 2
SORT_PART_BYTES = 100
SEPARATOR = "\x01"          # sorts below every character a normalized name keeps
SEARCH_SEPARATOR = "\x1f"   # no search word can span two fields


def bucket_stream(visibility, project_ids) -> str:
    ids = ",".join(str(p) for p in sorted({int(p) for p in project_ids}))
    return f"bucket#{CLASSES[int(visibility or 0)]}#{ids}"


def bucket_of(contact) -> str:
    return bucket_stream(contact.visibility, contact.project_ids)


def bucket_parts(bucket: str) -> tuple:
    """(visibility, frozenset of project ids) of a bucket stream."""
    _, name, ids = bucket.split("#", 2)
    visibility = next(number for number, cls in CLASSES.items() if cls == name)
    return visibility, frozenset(int(p) for p in ids.split(",") if p)


def own_stream(user_id) -> str:
    """Private contacts a user wrote or is assigned."""
    return f"own#{int(user_id)}"


def tag_stream(name: str) -> str:
    return f"tag#{bounded_key(fold(name))}"


def assignee_stream(user_id) -> str:
    return f"assignee#{int(user_id)}"


def company_stream(company: str) -> str:
    return f"company#{bounded_key(fold(company.strip()))}"


def counted(stream: str) -> bool:
    """Streams whose size is kept in stream counters (an admin's list of one assignee). Buckets
    and the tags in each are counted by BucketCounter."""
    return stream.startswith("assignee#")


def fold(value) -> str:
    """Case-folded text without control characters, for sorting, matching and search."""
    if not value:
        return ""
    text = str(value)
    if text.isascii() and text.isprintable():   # NFKC leaves it as it is; casefold is lower
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch >= " ")


def _cut(text: str) -> str:
    if len(text) <= SORT_PART_BYTES // 4:       # no longer than the cut even in 4-byte characters
        return text
    return text.encode("utf-8")[:SORT_PART_BYTES].decode("utf-8", "ignore")


def display_name(contact) -> str:
    if contact.is_company:
        return contact.first_name
    return " ".join(part for part in (contact.first_name, contact.last_name) if part)


def name_order(contact) -> str:
    return _name_order(contact.last_name, contact.first_name, contact.id)


def entry_name_order(entry) -> str:
    """The name-stream order of any entry (entries of the "updated" stream sort by time)."""
    return _name_order(entry.last_name, entry.first_name, entry.contact_id)


def _name_order(last_name, first_name, contact_id) -> str:
    return SEPARATOR.join([_cut(fold(last_name)), _cut(fold(first_name)), f"{int(contact_id):012d}"])


def updated_order(updated_on: str, contact_id) -> str:
    return f"{updated_on}{SEPARATOR}{int(contact_id):012d}"


def updated_between(low, high):
    """The range condition on the "updated" stream for updated_on between low and high (either
    may be None): its order is "<updated_on>\x01<id>"."""
    if low and high:
        return ContactIndexEntry.order.between(low, high + "\x02")
    if low:
        return ContactIndexEntry.order >= low
    if high:
        return ContactIndexEntry.order < high + "\x02"
    return None


def streams_of(contact) -> list:
    if contact is None:
        return []
    streams = [ALL, bucket_of(contact), UPDATED]
    streams += [tag_stream(t) for t in contact.tags]
    if contact.assigned_to_id:
        streams.append(assignee_stream(contact.assigned_to_id))
    if contact.company and contact.company.strip():
        streams.append(company_stream(contact.company))
    if int(contact.visibility or 0) == PRIVATE:
        streams += [own_stream(u) for u in (contact.author_id, contact.assigned_to_id) if u]
    return list(dict.fromkeys(streams))


def visibility_summary(contact):
    """What a contact's visibility is decided on, as the deal entries and tickets that depend
    on it carry it (None: no contact)."""
    if contact is None:
        return None
    return {"visibility": int(contact.visibility or 0), "project_ids": sorted(int(p) for p in contact.project_ids),
            "author_id": None if contact.author_id is None else int(contact.author_id),
            "assigned_to_id": None if contact.assigned_to_id is None else int(contact.assigned_to_id)}


def summary_view(item):
    """An item's contact summary as policy reads a contact (None when it carries none)."""
    return SimpleNamespace(**item.contact_summary) if item.contact_summary else None


def search_fields(contact) -> list:
    """The texts a search matches: names, company, job title, emails, phones."""
    parts = [contact.first_name, contact.middle_name, contact.last_name, contact.company,
             contact.job_title] + list(contact.emails or []) + list(contact.phones or [])
    return [p for p in parts if p]


def search_text(contact) -> str:
    return SEARCH_SEPARATOR.join(fold(p) for p in search_fields(contact))


def entries_of(contact) -> list:
    """Every index entry of the contact, as it should be stored. Entries are slim: what
    visibility, the filters and the default order decide on. Only the "updated" entry, which
    every save rewrites anyway (its order is the time of the change), also carries what changes
    most (updated_on, company, job title and the search text): a change of those rewrites the
    contact and that one entry."""
    pk = ContactRecord.key(contact.id)[0]
    slim = dict(
        contact_id=int(contact.id), name=display_name(contact), visibility=int(contact.visibility),
        author_id=contact.author_id, assigned_to_id=contact.assigned_to_id,
        project_ids=[int(p) for p in contact.project_ids], tags=list(contact.tags),
        is_company=bool(contact.is_company), first_name=fold(contact.first_name) or None,
        last_name=fold(contact.last_name) or None, created_on=contact.created_on)
    full = dict(slim, company=fold(contact.company) or None, job_title=fold(contact.job_title) or None,
                search=search_text(contact) or None, updated_on=contact.updated_on)
    by_name = name_order(contact)
    entries = []
    for stream in streams_of(contact):
        if stream == UPDATED:
            entry = ContactIndexEntry(pk, ContactIndexEntry.sort_key(stream), stream=stream,
                                      order=updated_order(contact.updated_on, contact.id), **full)
        else:
            entry = ContactIndexEntry(pk, ContactIndexEntry.sort_key(stream), stream=stream, order=by_name, **slim)
        entries.append(entry)
    return entries


def is_full(entry) -> bool:
    """Whether the entry carries updated_on, company, job title and the search text."""
    return entry.stream == UPDATED


def counter_shard(stream: str) -> StreamCounter:
    """A random shard of a stream's counter (concurrent writers rarely meet on one)."""
    return StreamCounter(StreamCounter.partition(stream), str(random.randrange(StreamCounter.SHARDS)))


def count_by(delta: int) -> list:
    # An UpdateItem may create the shard: it must carry its kind to be read back as a counter.
    return [StreamCounter.count.add(delta), StreamCounter.kind.set(StreamCounter)]


def bucket_marks(contact) -> set:
    """What the contact adds to the bucket counters: its bucket, and each tag spelling in it."""
    if contact is None:
        return set()
    bucket = bucket_of(contact)
    return {(bucket, None)} | {(bucket, tag) for tag in set(contact.tags or [])}


def _bucket_counter(mark, delta: int, shard: int) -> tuple:
    """The counter shard of a mark and the actions adding `delta` to it (creating it, with what
    it counts, when it is new)."""
    bucket, tag = mark
    key = BucketCounter.count_key(bucket, shard) if tag is None else BucketCounter.tag_key(bucket, tag, shard)
    actions = [BucketCounter.count.add(delta), BucketCounter.kind.set(BucketCounter),
               BucketCounter.bucket.set(bucket)] + ([BucketCounter.tag.set(tag)] if tag is not None else [])
    return BucketCounter(*key), actions


def _bucket_update(tx, mark, delta: int) -> None:
    item, actions = _bucket_counter(mark, delta, random.randrange(BucketCounter.SHARDS))
    tx.update(item, actions=actions)


# Called with a contact's id after each write of it where no stream consumer runs (a server
# over a DynamoDB endpoint of its own): the consumer's work, done in line.
_followers: list = []


def follow_writes(follower) -> None:
    if follower not in _followers:
        _followers.append(follower)


def _written(contact_id) -> None:
    for follower in _followers:
        follower(contact_id)


def updated_before_created(contact) -> bool:
    """Stamps no save keeps (an import's, or a record written before saves kept them apart)."""
    return bool(contact.created_on and contact.updated_on and contact.updated_on < contact.created_on)


def save(contact, previous=None, extra=()) -> None:
    """Write `contact` (its version already advanced) with every changed counter, conditioned on
    `previous` still being what is stored (or nothing, on create); its entries follow
    (`refresh_entries`). `extra` holds ("put" | "delete", item) pairs that belong to the same
    change (a note), and ("claim", item): a put conditioned on the item not being claimed yet
    (ClaimLost if it was)."""
    if updated_before_created(contact):
        # Never updated before it was created (an import may say so): lists filtered by
        # created_on read the "updated" stream from the range's start.
        contact.updated_on = contact.created_on
    new_streams, old_streams = set(streams_of(contact)), set(streams_of(previous))
    counter_changes = [(s, 1) for s in new_streams - old_streams if counted(s)] + \
                      [(s, -1) for s in old_streams - new_streams if counted(s)]
    old_marks, new_marks = bucket_marks(previous), bucket_marks(contact)
    mark_changes = [(m, 1) for m in new_marks - old_marks] + [(m, -1) for m in old_marks - new_marks]
    if 1 + len(counter_changes) + len(mark_changes) + len(extra) > TRANSACTION_LIMIT:
        raise TooManyChanges()

    def build(tx):
        tx.save(contact, condition=condition(ContactRecord, previous))
        for stream, delta in counter_changes:
            tx.update(counter_shard(stream), actions=count_by(delta))
        for mark, delta in mark_changes:
            _bucket_update(tx, mark, delta)
        for action, item in extra:
            if action == "put":
                tx.save(item)
            elif action == "claim":
                tx.save(item, condition=type(item).contact_id.does_not_exist())
            else:
                tx.delete(item)

    # The contact is the first put, after every delete.
    run(build, guarded=sum(1 for action, _ in extra if action == "delete"))
    _written(contact.id)


def refresh_entries(contact_id) -> int:
    """Bring the stored entries of a contact in line with the contact as it is now (none, when
    it is gone), writing only what differs. The crm stream's consumer calls it for every
    contact written, so a call may come twice, late or out of order: each leaves the entries of
    the contact it reads. Returns how many entries it put or deleted."""
    pk = ContactRecord.key(contact_id)[0]
    contact = get(contact_id)
    stored = {entry.sk: entry for entry in ContactIndexEntry.query(
        pk, ContactIndexEntry.sk.startswith(ContactIndexEntry.sort_key("")), consistent_read=True)}
    wanted = entries_of(contact) if contact is not None else []
    # An entry whose order changes moves in the index: DynamoDB bills a delete and a put there.
    meter.note_index_key_changes(sum(1 for e in wanted if e.sk in stored and stored[e.sk].order != e.order))
    with ContactIndexEntry.batch_write() as batch:
        return rewrite(batch, wanted, stored)


def removal_size(contact) -> int:
    """How many items `remove` changes for the contact itself (before any `extra`): the
    contact, its counter shares and its tombstone (its entries follow)."""
    streams = streams_of(contact)
    return 2 + sum(1 for stream in streams if counted(stream)) + len(bucket_marks(contact))


def tombstone_of(contact, deleted_on: str) -> Tombstone:
    """What a syncing client learns of a deleted contact, kept TOMBSTONE_DAYS."""
    import calendar
    import time
    kept_until = calendar.timegm(time.strptime(deleted_on, "%Y-%m-%dT%H:%M:%SZ")) + config.TOMBSTONE_DAYS * 86400
    return Tombstone(*Tombstone.key(contact.id), stream=Tombstone.STREAM,
                     order=f"{deleted_on}{SEPARATOR}{int(contact.id):012d}", contact_id=int(contact.id),
                     deleted_on=deleted_on, project_ids=[int(p) for p in contact.project_ids], expires=kept_until)


def tombstones(since=None) -> list:
    """The tombstones of contacts deleted at `since` or later (all kept ones without), oldest first."""
    condition = Tombstone.order >= since if since else None
    return list(Tombstone.streams.query(Tombstone.STREAM, range_key_condition=condition))


def remove(contact, extra=()) -> None:
    """Delete the contact with its counter shares, and the ("delete", item) pairs of `extra`
    (its notes, tickets, avatar record), and leave its tombstone, in one transaction
    conditioned on the contact's version; its entries follow (`refresh_entries`)."""
    if removal_size(contact) + len(extra) > TRANSACTION_LIMIT:
        raise TooManyChanges()
    streams = streams_of(contact)
    tombstone = tombstone_of(contact, now())

    def build(tx):
        tx.delete(contact, condition=condition(ContactRecord, contact))
        tx.save(tombstone)
        for stream in streams:
            if counted(stream):
                tx.update(counter_shard(stream), actions=count_by(-1))
        for mark in bucket_marks(contact):
            _bucket_update(tx, mark, -1)
        apply(tx, extra)

    run(build, guarded=0)   # the contact is the first delete
    _written(contact.id)


# ---------------------------------------------------------------- reads

def get(contact_id):
    return fetch(ContactRecord, contact_id)


def get_many(contact_ids) -> dict:
    return fetch_many(ContactRecord, contact_ids)


# Index entries are read as light rows (reading.Row): lists read thousands of them and write none.

def entries_by_id(contact_ids) -> dict:
    """The "updated" entries (every contact has one) of the given contacts, with BatchGetItem."""
    keys = [{"pk": {"S": ContactRecord.key(i)[0]}, "sk": {"S": ContactIndexEntry.sort_key(UPDATED)}}
            for i in dict.fromkeys(int(i) for i in contact_ids)]
    return {int(e.contact_id): e for e in batch_rows(ContactIndexEntry, keys)}


def batch_rows(model, keys: list) -> list:
    """Rows of the items of `model` under the given keys (in wire form), with BatchGetItem: 100
    keys a call, the keys DynamoDB leaves unprocessed asked again."""
    connection, make, found = model._get_connection(), reading.rows(model), []
    for start in range(0, len(keys), 100):
        asked = keys[start:start + 100]
        while asked:
            answer = connection.batch_get_item(asked)
            found += [make(item) for item in answer.get("Responses", {}).get(connection.table_name, [])]
            asked = answer.get("UnprocessedKeys", {}).get(connection.table_name, {}).get("Keys", [])
    return found


def entry_rows(results):
    """A Query of ContactIndexEntry (a pynamodb ResultIterator) that yields rows instead of models."""
    results._map_fn = reading.rows(ContactIndexEntry)
    return results


def read_stream(stream: str, limit: int = None, order_condition=None):
    """The entries of a stream in its order, lazily, a page at a time: each page's rows are made
    in one pass (a whole stream is thousands of entries; an iterator's step per entry costs
    more than its row)."""
    results = ContactIndexEntry.streams.query(stream, range_key_condition=order_condition, limit=limit,
                                              page_size=limit if limit and limit < 500 else None)
    return _pages_of_rows(results.page_iter, limit)


def _pages_of_rows(pages, limit=None):
    make = reading.rows(ContactIndexEntry)
    if limit is not None and limit <= 0:
        return
    for page in pages:
        items = page.get("Items") or []
        if limit is not None:
            items = items[:limit]
            limit -= len(items)
        yield from list(map(make, items))
        if limit == 0:
            return


def stream_count(stream: str) -> int:
    """How many contacts a counted stream holds: one Query over its counter shards."""
    return sum(int(shard.count) for shard in
               StreamCounter.query(StreamCounter.partition(stream), consistent_read=True))


def seed(contacts) -> None:
    """Write many new contacts at once with BatchWriteItem, for benchmarks and cost tests.
    Items are exactly those `save` writes; counters are added up per stream; the search index
    is written here rather than by its consumer (one pass instead of one per contact)."""
    from . import embedded, search
    with embedded.streams_paused():
        _seed(contacts)
        search.seed(contacts)


def _seed(contacts) -> None:
    totals, marks = {}, {}
    with ContactRecord.batch_write() as batch:
        for contact in contacts:
            batch.save(contact)
            for entry in entries_of(contact):
                batch.save(entry)
                if counted(entry.stream):
                    totals[entry.stream] = totals.get(entry.stream, 0) + 1
            for mark in bucket_marks(contact):
                marks[mark] = marks.get(mark, 0) + 1
    for stream, total in totals.items():
        counter_shard(stream).update(actions=count_by(total))
    for mark, total in marks.items():
        item, actions = _bucket_counter(mark, total, 0)
        item.update(actions=actions)


def stream_counts(streams) -> dict:
    """Counts of many counted streams, with BatchGetItem over their shards."""
    keys = [(StreamCounter.partition(s), str(shard)) for s in streams for shard in range(StreamCounter.SHARDS)]
    totals = {s: 0 for s in streams}
    for shard in StreamCounter.batch_get(keys) if keys else ():
        totals[shard.pk.split("#", 1)[1]] += int(shard.count)
    return totals


def bucket_counts() -> dict:
    """{bucket: contacts in it}, from one Query over the bucket counters (tag shards skipped)."""
    totals = {}
    for shard in BucketCounter.query(BucketCounter.PARTITION, BucketCounter.sk.startswith("count#"),
                                     consistent_read=True):
        totals[shard.bucket] = totals.get(shard.bucket, 0) + int(shard.count)
    return {bucket: total for bucket, total in totals.items() if total > 0}


def bucket_tag_counts() -> dict:
    """{(bucket, tag spelling): contacts in the bucket carrying it}."""
    totals = {}
    for shard in BucketCounter.query(BucketCounter.PARTITION, BucketCounter.sk.startswith("tag#"),
                                     consistent_read=True):
        key = (shard.bucket, shard.tag)
        totals[key] = totals.get(key, 0) + int(shard.count)
    return {key: total for key, total in totals.items() if total > 0}


PARALLEL_READS = 8
# What one more Query costs next to reading one more entry: its round trip (they go out
# PARALLEL_READS at a time) and its first read block, in entries.
QUERY_COST = 2


_this_thread_only = threading.local()


@contextlib.contextmanager
def on_this_thread():
    """Calls `concurrently` is given inside run one after the other on the calling thread (the
    embedded store runs the stream consumers while it holds its call lock, which another
    thread's calls would wait on forever)."""
    before = getattr(_this_thread_only, "active", False)
    _this_thread_only.active = True
    try:
        yield
    finally:
        _this_thread_only.active = before


def concurrently(calls, at_once: int = None) -> None:
    """Run independent calls on a few threads (the client is shared and thread-safe), each in
    the caller's context so the cost meter sees them."""
    if len(calls) <= 1 or getattr(_this_thread_only, "active", False):
        for call in calls:
            call()
        return
    with ThreadPoolExecutor(max_workers=min(at_once or PARALLEL_READS, len(calls))) as pool:
        for future in [pool.submit(contextvars.copy_context().run, call) for call in calls]:
            future.result()


class _Cursor:
    """The entries of one stream in order, fetched in chunks whose size the merge chooses."""

    def __init__(self, stream: str, expected: int, model=ContactIndexEntry, forward: bool = True):
        self.stream, self.expected, self.model, self.forward = stream, max(1, expected), model, forward
        self.buffer, self.position, self.after, self.done = [], 0, None, False

    def fill(self, size: int) -> None:
        query = self.model.streams.query(self.stream, limit=size, page_size=size, scan_index_forward=self.forward,
                                         last_evaluated_key=self.after)
        if self.model is ContactIndexEntry:
            query = entry_rows(query)
        self.buffer, self.position = list(query), 0
        self.after = query.last_evaluated_key
        self.done = self.after is None or len(self.buffer) < size

    def head(self):
        return self.buffer[self.position] if self.position < len(self.buffer) else None


def filtered_page(stream: str, wanted: int, keep, share: float, forward: bool = True, tied=None) -> list:
    """The first `wanted` entries of a stream that `keep`, about `share` of them, in the stream's
    order or (`forward` false) the reverse: read in chunks sized to what is still missing divided
    by that share. With `tied(last, entry)`, the kept entries tied with the last one follow it."""
    cursor, page = _Cursor(stream, 0, forward=forward), []
    if wanted <= 0:
        return page
    while not cursor.done:
        cursor.fill(min(1000, int(max(1, wanted - len(page)) / max(share, 0.001)) + 2))
        for entry in cursor.buffer:
            if len(page) >= wanted and (tied is None or not tied(page[wanted - 1], entry)):
                return page
            if keep(entry):
                page.append(entry)
        cursor.position = len(cursor.buffer)
    return page


def merged_page(streams: dict, wanted: int, extra=(), model=ContactIndexEntry, keep=None, share=1.0) -> list:
    """The first `wanted` entries of the union of disjoint streams ({stream: its expected size})
    and of `extra` (entries already read), in stream order; with `keep`, only the entries it
    keeps, about `share` of the streams' entries. Each stream is read in chunks sized by its
    share of the whole, so a page reads about `wanted` (divided by `share`) entries plus one or
    two per stream, not `wanted` from each."""
    if wanted <= 0:
        return []
    whole = (sum(streams.values()) + len(extra) or 1) * max(share, 0.001)
    cursors = [_Cursor(stream, size, model) for stream, size in streams.items() if size > 0]

    def chunk(cursor, still: int, slack: int = 0) -> int:
        return max(1, min(cursor.expected, int(-(-still * cursor.expected // whole)) + slack))

    heap = []
    # The first chunks are independent reads: they go out together.
    concurrently([lambda c=cursor: c.fill(chunk(c, wanted, 1)) for cursor in cursors])
    for index, cursor in enumerate(cursors):
        if cursor.head() is not None:
            heap.append((cursor.head().order, index))
    extra = sorted(extra, key=lambda e: e.order)
    if extra:
        heap.append((extra[0].order, -1))
    heapq.heapify(heap)
    page, taken_extra = [], 0
    while heap and len(page) < wanted:
        _order, index = heapq.heappop(heap)
        if index == -1:
            page.append(extra[taken_extra])
            taken_extra += 1
            if taken_extra < len(extra):
                heapq.heappush(heap, (extra[taken_extra].order, -1))
            continue
        cursor = cursors[index]
        if keep is None or keep(cursor.head()):
            page.append(cursor.head())
        cursor.position += 1
        if cursor.head() is None and not cursor.done and len(page) < wanted:
            cursor.fill(chunk(cursor, wanted - len(page)))
        if cursor.head() is not None:
            heapq.heappush(heap, (cursor.head().order, index))
    return page
