"""Contacts in DynamoDB: the index entries a contact has, the one transaction that writes a
contact with its changed entries and counters, and the reads lists and shows need.

Entries never disagree with their contact: a contact and every entry that changes are written
in one TransactWriteItems conditioned on the contact's version, so a concurrent writer makes
the transaction fail (VersionConflict) instead of losing an update.
"""
import random
import unicodedata

from . import meter
from .crm import ContactIndexEntry, ContactRecord, StreamCounter, bounded_key
from .operations import fetch, fetch_many
from .versions import TRANSACTION_LIMIT, TooManyChanges, condition, run

ALL, PUBLIC, UPDATED = "all", "public", "updated"
SORT_PART_BYTES = 100
SEPARATOR = "\x01"          # sorts below every character a normalized name keeps
SEARCH_SEPARATOR = "\x1f"   # no search word can span two fields


def project_stream(project_id) -> str:
    return f"project#{int(project_id)}"


def tag_stream(name: str) -> str:
    return f"tag#{bounded_key(fold(name))}"


def assignee_stream(user_id) -> str:
    return f"assignee#{int(user_id)}"


def company_stream(company: str) -> str:
    return f"company#{bounded_key(fold(company.strip()))}"


def counted(stream: str) -> bool:
    """Streams whose size is kept in counters (for admin lists of one stream)."""
    return stream == ALL or stream.startswith(("project#", "tag#", "assignee#"))


def fold(value) -> str:
    """Case-folded text without control characters, for sorting, matching and search."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    return "".join(ch for ch in text if ch >= " ")


def _cut(text: str) -> str:
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
    streams = [ALL, UPDATED]
    if int(contact.visibility) == 1:
        streams.append(PUBLIC)
    streams += [project_stream(p) for p in contact.project_ids]
    streams += [tag_stream(t) for t in contact.tags]
    if contact.assigned_to_id:
        streams.append(assignee_stream(contact.assigned_to_id))
    if contact.company and contact.company.strip():
        streams.append(company_stream(contact.company))
    return list(dict.fromkeys(streams))


def search_text(contact) -> str:
    parts = [contact.first_name, contact.middle_name, contact.last_name, contact.company,
             contact.job_title] + list(contact.emails or []) + list(contact.phones or [])
    return SEARCH_SEPARATOR.join(fold(p) for p in parts if p)


def entries_of(contact) -> list:
    """Every index entry of the contact, as it should be stored."""
    pk = ContactRecord.key(contact.id)[0]
    summary = dict(
        contact_id=int(contact.id), name=display_name(contact), visibility=int(contact.visibility),
        author_id=contact.author_id, assigned_to_id=contact.assigned_to_id,
        project_ids=[int(p) for p in contact.project_ids], tags=list(contact.tags),
        is_company=bool(contact.is_company), first_name=fold(contact.first_name) or None,
        last_name=fold(contact.last_name) or None, company=fold(contact.company) or None,
        job_title=fold(contact.job_title) or None, search=search_text(contact) or None,
        created_on=contact.created_on, updated_on=contact.updated_on)
    by_name = name_order(contact)
    entries = []
    for stream in streams_of(contact):
        order = updated_order(contact.updated_on, contact.id) if stream == UPDATED else by_name
        entries.append(ContactIndexEntry(pk, ContactIndexEntry.sort_key(stream), stream=stream,
                                         order=order, **summary))
    return entries


def _counter(stream: str) -> StreamCounter:
    return StreamCounter(StreamCounter.partition(stream), str(random.randrange(StreamCounter.SHARDS)))


def _add(delta: int) -> list:
    # An UpdateItem may create the shard: it must carry its kind to be read back as a counter.
    return [StreamCounter.count.add(delta), StreamCounter.kind.set(StreamCounter)]


def save(contact, previous=None, extra=()) -> None:
    """Write `contact` (its version already advanced) with every changed entry and counter,
    conditioned on `previous` still being what is stored (or nothing, on create). `extra`
    holds ("put" | "delete", item) pairs that belong to the same change (a note), and
    ("claim", item): a put conditioned on the item not being claimed yet (ClaimLost if it was)."""
    entries = entries_of(contact)
    new_streams = {entry.stream for entry in entries}
    old_streams = set(streams_of(previous))
    removed = old_streams - new_streams
    counter_changes = [(s, 1) for s in new_streams - old_streams if counted(s)] + \
                      [(s, -1) for s in removed if counted(s)]
    if 1 + len(entries) + len(removed) + len(counter_changes) + len(extra) > TRANSACTION_LIMIT:
        raise TooManyChanges()
    pk = ContactRecord.key(contact.id)[0]
    old_orders = {entry.stream: entry.order for entry in entries_of(previous)} if previous else {}
    moved = sum(1 for entry in entries if old_orders.get(entry.stream, entry.order) != entry.order)

    def build(tx):
        meter.note_index_key_changes(moved)
        tx.save(contact, condition=condition(ContactRecord, previous))
        for entry in entries:
            tx.save(entry)
        for stream in removed:
            tx.delete(ContactIndexEntry(pk, ContactIndexEntry.sort_key(stream)))
        for stream, delta in counter_changes:
            tx.update(_counter(stream), actions=_add(delta))
        for action, item in extra:
            if action == "put":
                tx.save(item)
            elif action == "claim":
                tx.save(item, condition=type(item).contact_id.does_not_exist())
            else:
                tx.delete(item)

    # The contact is the first put, after every delete.
    run(build, guarded=len(removed) + sum(1 for action, _ in extra if action == "delete"))


def removal_size(contact) -> int:
    """How many items `remove` changes for the contact itself (before any `extra`)."""
    streams = streams_of(contact)
    return 1 + len(streams) + sum(1 for stream in streams if counted(stream))


def remove(contact, extra=()) -> None:
    """Delete the contact with all its entries and counter shares, and the ("delete", item)
    pairs of `extra` (its notes, tickets, avatar record), in one transaction conditioned on the
    contact's version."""
    if removal_size(contact) + len(extra) > TRANSACTION_LIMIT:
        raise TooManyChanges()
    pk = ContactRecord.key(contact.id)[0]
    streams = streams_of(contact)

    def build(tx):
        tx.delete(contact, condition=condition(ContactRecord, contact))
        for stream in streams:
            tx.delete(ContactIndexEntry(pk, ContactIndexEntry.sort_key(stream)))
            if counted(stream):
                tx.update(_counter(stream), actions=_add(-1))
        for _action, item in extra:
            tx.delete(item)

    run(build, guarded=0)   # the contact is the first delete


# ---------------------------------------------------------------- reads

def get(contact_id):
    return fetch(ContactRecord, contact_id)


def get_many(contact_ids) -> dict:
    return fetch_many(ContactRecord, contact_ids)


def entries_by_id(contact_ids) -> dict:
    """The "all" entries of the given contacts, with BatchGetItem."""
    keys = [(ContactRecord.key(i)[0], ContactIndexEntry.sort_key(ALL))
            for i in dict.fromkeys(int(i) for i in contact_ids)]
    if not keys:
        return {}
    return {int(e.contact_id): e for e in ContactIndexEntry.batch_get(keys)}


def read_stream(stream: str, limit: int = None, order_condition=None):
    """The entries of a stream in its order, lazily, page by page."""
    return ContactIndexEntry.streams.query(stream, range_key_condition=order_condition, limit=limit,
                                           page_size=limit if limit and limit < 500 else None)


def stream_count(stream: str) -> int:
    """How many contacts a counted stream holds: one Query over its counter shards."""
    return sum(int(shard.count) for shard in
               StreamCounter.query(StreamCounter.partition(stream), consistent_read=True))


def seed(contacts) -> None:
    """Write many new contacts at once with BatchWriteItem, for benchmarks and cost tests.
    Items are exactly those `save` writes; counters are added up per stream."""
    totals = {}
    with ContactRecord.batch_write() as batch:
        for contact in contacts:
            batch.save(contact)
            for entry in entries_of(contact):
                batch.save(entry)
                if counted(entry.stream):
                    totals[entry.stream] = totals.get(entry.stream, 0) + 1
    for stream, total in totals.items():
        _counter(stream).update(actions=_add(total))


def stream_counts(streams) -> dict:
    """Counts of many counted streams with BatchGetItem over their shards."""
    keys = [(StreamCounter.partition(s), str(shard)) for s in streams for shard in range(StreamCounter.SHARDS)]
    totals = {s: 0 for s in streams}
    if keys:
        for shard in StreamCounter.batch_get(keys):
            totals[shard.pk.split("#", 1)[1]] += int(shard.count)
    return totals
