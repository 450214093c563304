"""The consistency checker: reads the whole crm table (and the list of stored files) and reports
everything out of place between contacts, their index entries, the stream counters, tag
records, notes, tickets, deals, pointers and attachments.

It Scans: it is an administrator's tool (`python -m chalicelib.cli check-consistency`) and a
test oracle, never part of a request. No route reaches it, the deployment zip leaves it out, and
the Lambda's role may not Scan at all. Two kinds of findings:

- problems: a client could see them (a contact missing from a list, a wrong count, a note of
  a deleted contact, an avatar without its file);
- garbage: stored files no record points at. Invisible to clients, they only cost storage;
  `remove_garbage` deletes them (a delete whose last step, removing the file, failed leaves one).
"""
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from chalicelib import config

from . import contacts as contact_store
from . import deals as deal_store
from . import project_counters
from . import files, ratelimits, search  # noqa: F401  (every kind the table holds must be known to read it)
from .crm import (ContactIndexEntry, ContactRecord, CrmItem, DealIndexEntry, DealRecord, NoteRecord,
                  Pointer, StreamCounter, TagRecord, TicketRecord, BucketCounter, SearchDocument, GramPosting,
                  GramBlock, GramCount, GramDirectory, DealCounter, TicketCounter, newest_first)
from .files import AttachmentRecord
from .operations import rewrite
from .tags import name_key

ATTACHMENT_PREFIX = "attachments/"


@dataclass
class Report:
    problems: list = field(default_factory=list)
    garbage: dict = field(default_factory=dict)     # S3 key -> last modified (epoch), files without a record
    items: int = 0
    files: int = 0
    drift: list = field(default_factory=list)       # search counts off their postings (hints only)

    @property
    def consistent(self) -> bool:
        return not self.problems

    def lines(self) -> list:
        head = f"Read {self.items} items and {self.files} stored files: "
        head += "nothing out of place." if not self.problems else f"{len(self.problems)} problems."
        found = [head] + [f"  {p}" for p in self.problems]
        if self.drift:
            found.append(f"{len(self.drift)} search counts are off (a hint for picking the rarest 3-gram, "
                         "never a wrong answer; rebuild-indexes sets them right):")
            found += [f"  {d}" for d in self.drift]
        if self.garbage:
            found.append(f"{len(self.garbage)} stored files have no record (garbage):")
            found += [f"  {key}" for key in self.garbage]
        return found


def _attributes(item) -> dict:
    """What an item stores, as DynamoDB holds it (for comparing expected with stored)."""
    return item.serialize()


def _every_item():
    """Every item of the crm table, unfiltered (Model.scan leaves out items without a kind)."""
    table = CrmItem._get_connection()
    start = None
    while True:
        page = table.scan(exclusive_start_key=start, consistent_read=True)
        for raw in page.get("Items", []):
            yield CrmItem.from_raw_data(raw) if "kind" in raw else \
                (raw.get("pk", {}).get("S"), raw.get("sk", {}).get("S"))
        start = page.get("LastEvaluatedKey")
        if not start:
            return


class _Crm:
    """The crm table read once, sorted by kind."""

    def __init__(self, items):
        self.contacts, self.deals, self.attachments = {}, {}, {}
        self.entries = defaultdict(dict)        # contact pk -> {sk: entry}
        self.deal_entries = defaultdict(dict)   # deal pk -> {sk: entry}
        self.counters = Counter()               # stream -> summed shards
        self.marks = Counter()                  # (bucket, tag or None) -> summed shards
        self.deal_marks = Counter()             # (project, contact bucket, owner or None) -> summed shards
        self.ticket_marks = Counter()           # the same for tickets
        self.counter_items = []                 # every shard of every kind
        self.documents = {}                     # contact id -> {gram: the block it is placed in}
        self.blocks = {}                        # (gram, block) -> contact ids
        self.postings = defaultdict(set)        # gram -> contact ids, over its blocks
        self.gram_counts = {}                   # gram -> its GramCount
        self.directory = {}                     # (pk, sk) of a GramDirectory item -> its grams
        self.legacy_postings = []               # postings of the earlier layout
        self.unfinished = set()                 # contacts whose document records a change under way
        self.tags = set()                       # tag record sort keys
        self.notes, self.tickets, self.pointers = [], [], {}
        self.kindless = []                      # items no code can read (written without their kind)
        self.count = 0
        for item in items:
            self.count += 1
            self._sort(item)

    def _sort(self, item) -> None:
        if isinstance(item, tuple):
            self.kindless.append(" ".join(str(part) for part in item))
        elif isinstance(item, ContactRecord):
            self.contacts[item.pk] = item
        elif isinstance(item, ContactIndexEntry):
            self.entries[item.pk][item.sk] = item
        elif isinstance(item, StreamCounter):
            self.counters[item.pk.split("#", 1)[1]] += int(item.count or 0)
            self.counter_items.append(item)
        elif isinstance(item, BucketCounter):
            self.marks[(item.bucket, item.tag)] += int(item.count or 0)
            self.counter_items.append(item)
        elif isinstance(item, TicketCounter):
            owner = None if item.owner is None else int(item.owner)
            self.ticket_marks[(int(item.pk.split("#", 1)[1]), item.bucket, owner)] += int(item.count or 0)
            self.counter_items.append(item)
        elif isinstance(item, DealCounter):
            owner = None if item.owner is None else int(item.owner)
            self.deal_marks[(int(item.pk.split("#", 1)[1]), item.bucket, owner)] += int(item.count or 0)
            self.counter_items.append(item)
        elif isinstance(item, SearchDocument):
            self.documents[int(item.pk.split("#", 1)[1])] = dict(item.placed or {})
            if item.pending:
                self.unfinished.add(int(item.pk.split("#", 1)[1]))
        elif isinstance(item, GramBlock):
            gram, ids = item.pk.split("#", 1)[1], {int(i) for i in item.ids or ()}
            self.blocks[(gram, int(item.sk.split("#", 1)[1]))] = ids
            self.postings[gram] |= ids
        elif isinstance(item, GramPosting):
            self.legacy_postings.append(item)
        elif isinstance(item, GramCount):
            self.gram_counts[item.pk.split("#", 1)[1]] = item
        elif isinstance(item, GramDirectory):
            self.directory[(item.pk, item.sk)] = set(item.grams or ())
        elif isinstance(item, TagRecord):
            self.tags.add(item.sk)
        elif isinstance(item, NoteRecord):
            self.notes.append(item)
        elif isinstance(item, TicketRecord):
            self.tickets.append(item)
        elif isinstance(item, Pointer):
            self.pointers[item.pk] = item
        elif isinstance(item, DealRecord):
            self.deals[item.pk] = item
        elif isinstance(item, DealIndexEntry):
            self.deal_entries[item.pk][item.sk] = item
        elif isinstance(item, AttachmentRecord):
            self.attachments[int(item.id)] = item


def _compare_entries(owner: str, expected: list, stored: dict, problems: list) -> None:
    wanted = {entry.sk: entry for entry in expected}
    for sk, entry in wanted.items():
        if sk not in stored:
            problems.append(f"{owner}: index entry {sk} is missing")
        elif _attributes(stored[sk]) != _attributes(entry):
            problems.append(f"{owner}: index entry {sk} disagrees with it")
    for sk in stored.keys() - wanted.keys():
        problems.append(f"{owner}: index entry {sk} should not exist")


def _check_contacts(crm: _Crm, problems: list) -> None:
    members, marks = Counter(), Counter()
    for pk, contact in crm.contacts.items():
        marks.update(contact_store.bucket_marks(contact))
        owner = f"contact {int(contact.id)}"
        if contact_store.updated_before_created(contact):
            problems.append(f"{owner}: updated_on is before created_on (created_on filters miss it): "
                            "run rebuild-indexes")
        _compare_entries(owner, contact_store.entries_of(contact), crm.entries.get(pk, {}), problems)
        for tag in contact.tags or []:
            if name_key(tag) not in crm.tags:
                problems.append(f"{owner}: tag {tag!r} has no tag record")
        for stream in contact_store.streams_of(contact):
            if contact_store.counted(stream):
                members[stream] += 1
    for pk in crm.entries.keys() - crm.contacts.keys():
        problems.append(f"index entries of missing {pk.replace('#', ' ')}: {len(crm.entries[pk])}")
    for stream in sorted(set(members) | set(crm.counters)):
        if members[stream] != crm.counters[stream]:
            problems.append(f"stream {stream}: counted {crm.counters[stream]}, holds {members[stream]}")
    for bucket, tag in sorted(set(marks) | set(crm.marks), key=str):
        if marks[(bucket, tag)] != crm.marks[(bucket, tag)]:
            what = bucket if tag is None else f"{bucket} tag {tag!r}"
            problems.append(f"{what}: counted {crm.marks[(bucket, tag)]}, holds {marks[(bucket, tag)]}")


def _check_search_index(crm: _Crm, problems: list, drift: list) -> None:
    """Each contact indexed under exactly its 3-grams, in the blocks its document names (the
    consumer may lag on AWS: a moment after writes stop, nothing is out of place), and the
    blocks holding no one else. Counts only guide a search to its rarest 3-gram, and a retried
    consumer batch may add a change twice: they drift, they are not wrong answers."""
    expected = {int(c.id): search.grams_of(c) for c in crm.contacts.values()}
    for contact_id in sorted(set(expected) | set(crm.documents)):
        placed = crm.documents.get(contact_id)
        if (None if placed is None else set(placed)) != expected.get(contact_id):
            problems.append(f"search index of contact {contact_id} disagrees with it")
        elif contact_id in crm.unfinished:
            problems.append(f"search index of contact {contact_id} is being changed")
    wanted = defaultdict(set)
    for contact_id, placed in crm.documents.items():
        for gram, block in placed.items():
            wanted[gram].add(contact_id)
            if contact_id not in crm.blocks.get((gram, int(block)), ()):
                problems.append(f"search block {block} of {gram!r} lacks contact {contact_id}")
    for gram in sorted(set(wanted) | set(crm.postings)):
        if crm.postings.get(gram, set()) != wanted.get(gram, set()):
            problems.append(f"search postings of {gram!r} disagree with the indexed contacts")
    held = Counter((gram, contact_id) for (gram, _), ids in crm.blocks.items() for contact_id in ids)
    for (gram, contact_id), times in sorted(held.items()):
        if times > 1:
            problems.append(f"contact {contact_id} is in {times} search blocks of {gram!r}")
    if crm.legacy_postings:
        problems.append(f"{len(crm.legacy_postings)} search postings of an earlier layout: run rebuild-indexes")
    for gram, counted in sorted(crm.gram_counts.items()):
        held = len(crm.postings.get(gram, ()))
        if int(counted.count or 0) != held:
            drift.append(f"search count of {gram!r}: counted {int(counted.count or 0)}, holds {held}")
    for gram in sorted(set(crm.postings) - set(crm.gram_counts)):
        if crm.postings[gram]:
            problems.append(f"search 3-gram {gram!r} has postings but no count")
    # A 3-gram may stay listed once its postings are gone (a short word reads its empty count);
    # one with postings must be listed under each of its parts, or a short word misses them.
    overfull = {pk for pk, sk in crm.directory if sk == GramDirectory.OVERFULL}
    for key, grams in sorted(search.directory(g for g, ids in crm.postings.items() if ids).items()):
        if key[0] in overfull:          # searches do not look this part up
            continue
        for gram in sorted(grams - crm.directory.get(key, set())):
            problems.append(f"search 3-gram {gram!r} is not listed under {key[0].split('#', 1)[1]!r}: "
                            f"run rebuild-indexes")


def _check_deals(crm: _Crm, problems: list) -> None:
    for pk, deal in crm.deals.items():
        contact = crm.contacts.get(ContactRecord.key(deal.contact_id)[0]) if deal.contact_id else None
        _compare_entries(f"deal {int(deal.id)}", deal_store.entries_of(deal, contact), crm.deal_entries.get(pk, {}),
                         problems)
    _compare_project_counts("deals", _deal_marks(crm), crm.deal_marks, problems)
    for pk in crm.deal_entries.keys() - crm.deals.keys():
        problems.append(f"index entries of missing {pk.replace('#', ' ')}: {len(crm.deal_entries[pk])}")


def _check_attached(crm: _Crm, problems: list) -> None:
    """Notes and tickets live under an existing source and have their pointer; every pointer
    leads to an item."""
    homes = {}
    for kind, items in (("note", crm.notes), ("ticket", crm.tickets)):
        for item in items:
            name = f"{kind} {int(item.id)}"
            pointer_pk = Pointer.key(kind, item.id)[0]
            homes[pointer_pk] = item.pk
            source = item.pk.split("#", 1)[0]
            if item.pk not in crm.contacts and item.pk not in crm.deals:
                problems.append(f"{name}: its {source} {item.pk.split('#', 1)[1]} does not exist")
            if kind == "note" and item.pk != f"{item.source_type.lower()}#{int(item.source_id)}":
                problems.append(f"{name}: stored under {item.pk}, names {item.source_type} {item.source_id}")
            if kind == "ticket" and item.pk != ContactRecord.key(item.contact_id)[0]:
                problems.append(f"{name}: stored under {item.pk}, names contact {item.contact_id}")
            if kind == "ticket" and item.pk in crm.contacts and \
                    item.contact_summary != contact_store.visibility_summary(crm.contacts[item.pk]):
                problems.append(f"{name}: its contact's visibility summary disagrees with the contact")
            if kind == "ticket" and item.order != newest_first(item.id):
                problems.append(f"{name}: its place in its project's list is {item.order!r}")
            pointer = crm.pointers.get(pointer_pk)
            if pointer is None:
                problems.append(f"{name}: its pointer is missing")
            elif pointer.home_pk != item.pk:
                problems.append(f"{name}: its pointer leads to {pointer.home_pk}")
    for pk in crm.pointers.keys() - homes.keys():
        problems.append(f"pointer {pk}: leads to nothing")
    _compare_project_counts("tickets", _ticket_marks(crm), crm.ticket_marks, problems)


def _compare_project_counts(kind: str, held: Counter, counted: Counter, problems: list) -> None:
    """What a kind's project counters count (project_counters.py) against what they should."""
    for mark in sorted(set(held) | set(counted), key=str):
        if held[mark] != counted[mark]:
            project, bucket, owner = mark
            whose = "" if owner is None else f" seen as their own by user {owner}"
            problems.append(f"{kind} of project {project} with a contact in {bucket}{whose}: "
                            f"counted {counted[mark]}, hold {held[mark]}")


def _check_attachments(crm: _Crm, stored: dict, now: float, problems: list) -> dict:
    """Avatars and their records agree both ways, every record has its file; returns the files
    without a record."""
    for contact in crm.contacts.values():
        if contact.avatar_id:
            record = crm.attachments.get(int(contact.avatar_id))
            if record is None:
                problems.append(f"contact {int(contact.id)}: avatar {int(contact.avatar_id)} has no record")
            elif record.contact_id is None or int(record.contact_id) != int(contact.id):
                problems.append(f"contact {int(contact.id)}: avatar {int(contact.avatar_id)} is not claimed by it")
    for attachment_id, record in crm.attachments.items():
        name = f"attachment {attachment_id}"
        expired = record.expired(now)
        if record.contact_id is not None:
            contact = crm.contacts.get(ContactRecord.key(record.contact_id)[0])
            if contact is None or not contact.avatar_id or int(contact.avatar_id) != attachment_id:
                problems.append(f"{name}: claimed by contact {int(record.contact_id)}, which does not have it")
        if record.object_key not in stored and not expired:
            problems.append(f"{name}: its file is missing")
    recorded = {record.object_key for record in crm.attachments.values()}
    return {key: modified for key, modified in sorted(stored.items()) if key not in recorded}


def stored_files() -> dict:
    """{S3 key: last modified, epoch seconds} of every stored file."""
    keys, token = {}, None
    while True:
        options = {"Bucket": config.FILES_BUCKET, "Prefix": ATTACHMENT_PREFIX}
        if token:
            options["ContinuationToken"] = token
        page = files.s3().list_objects_v2(**options)
        keys.update((obj["Key"], obj["LastModified"].timestamp()) for obj in page.get("Contents", []))
        token = page.get("NextContinuationToken")
        if not token:
            return keys


def check(now: float = None) -> Report:
    """Everything out of place in the crm table and the stored files, right now."""
    now = time.time() if now is None else now
    crm = _Crm(_every_item())
    stored = stored_files()
    report = Report(items=crm.count, files=len(stored))
    report.problems += [f"item {key} has no kind" for key in crm.kindless]
    _check_contacts(crm, report.problems)
    _check_deals(crm, report.problems)
    _check_search_index(crm, report.problems, report.drift)
    _check_attached(crm, report.problems)
    report.garbage = _check_attachments(crm, stored, now, report.problems)
    return report


GARBAGE_AGE = 3600   # an upload writes its file a moment before its record: younger files are left


def remove_garbage(report: Report, older_than: float = GARBAGE_AGE, now: float = None) -> int:
    """Delete the report's files without a record that are older than `older_than` seconds
    (each checked again just before)."""
    now = time.time() if now is None else now
    removed = 0
    for key, modified in report.garbage.items():
        attachment_id = key[len(ATTACHMENT_PREFIX):]
        if now - modified < older_than or not attachment_id.isdigit():
            continue
        if files.get(int(attachment_id)) is None:
            files.s3().delete_object(Bucket=config.FILES_BUCKET, Key=key)
            removed += 1
    return removed


def rebuild_indexes() -> dict:
    """Write every index again from the items it indexes: contact entries, stream and bucket
    counters, deal entries (with their contacts' summaries) and the search index. For a table
    written by an earlier version or restored from a backup; run it with writes stopped (the
    counters are set, not added to). Reads the whole table. Returns what it changed, by kind."""
    crm = _Crm(_every_item())
    changed = Counter()
    with CrmItem.batch_write() as batch:
        for pk, contact in crm.contacts.items():
            if contact_store.updated_before_created(contact):
                contact.updated_on = contact.created_on
                batch.save(contact)
                changed["contact stamps"] += 1
            changed["contact entries"] += rewrite(batch, contact_store.entries_of(contact), crm.entries.get(pk, {}))
        for pk in crm.entries.keys() - crm.contacts.keys():
            changed["contact entries"] += rewrite(batch, [], crm.entries[pk])
        for pk, deal in crm.deals.items():
            contact = crm.contacts.get(ContactRecord.key(deal.contact_id)[0]) if deal.contact_id else None
            changed["deal entries"] += rewrite(batch, deal_store.entries_of(deal, contact), crm.deal_entries.get(pk, {}))
        for pk in crm.deal_entries.keys() - crm.deals.keys():
            changed["deal entries"] += rewrite(batch, [], crm.deal_entries[pk])
        for ticket in crm.tickets:
            contact = crm.contacts.get(ticket.pk)
            if contact is not None and (ticket.contact_summary != contact_store.visibility_summary(contact)
                                        or ticket.order != newest_first(ticket.id)):
                ticket.contact_summary = contact_store.visibility_summary(contact)
                ticket.order = newest_first(ticket.id)
                batch.save(ticket)
                changed["tickets"] += 1
    changed["counters"] = _set_counters(crm)
    changed.update(rebuild_search_index())
    return dict(changed)


def _deal_marks(crm: _Crm) -> Counter:
    """What the deal counters should hold: each deal counted by its contact as stored."""
    marks = Counter()
    for deal in crm.deals.values():
        contact = crm.contacts.get(ContactRecord.key(deal.contact_id)[0]) if deal.contact_id else None
        marks.update(deal_store.marks(deal.project_id, contact_store.visibility_summary(contact)))
    return marks


def _ticket_marks(crm: _Crm) -> Counter:
    """What the ticket counters should hold: each ticket counted by its contact as stored."""
    marks = Counter()
    for ticket in crm.tickets:
        contact = crm.contacts.get(ticket.pk)
        marks.update(project_counters.marks(ticket.project_id, contact_store.visibility_summary(contact)))
    return marks


def _set_counters(crm: _Crm) -> int:
    """Every stream, bucket and deal counter set to what its contacts and deals hold (one
    shard each)."""
    members, marks = Counter(), Counter()
    for contact in crm.contacts.values():
        members.update(s for s in contact_store.streams_of(contact) if contact_store.counted(s))
        marks.update(contact_store.bucket_marks(contact))
    deal_marks, ticket_marks = _deal_marks(crm), _ticket_marks(crm)
    if members == crm.counters and marks == crm.marks and deal_marks == crm.deal_marks and \
            ticket_marks == crm.ticket_marks:
        return 0
    fresh = [StreamCounter(StreamCounter.partition(stream), "0", count=total) for stream, total in members.items()]
    for (bucket, tag), total in marks.items():
        key = BucketCounter.count_key(bucket, 0) if tag is None else BucketCounter.tag_key(bucket, tag, 0)
        fresh.append(BucketCounter(*key, bucket=bucket, tag=tag, count=total))
    fresh += [deal_store.counter_item(mark, total) for mark, total in deal_marks.items()]
    fresh += [project_counters.counter_item(TicketCounter, mark, total) for mark, total in ticket_marks.items()]
    kept = {(item.pk, item.sk) for item in fresh}
    with CrmItem.batch_write() as batch:       # one request never names an item twice
        for item in crm.counter_items:
            if (item.pk, item.sk) not in kept:
                batch.delete(item)
        for item in fresh:
            batch.save(item)
    return len(members) + len(marks) + len(deal_marks)


def rebuild_search_index() -> dict:
    """Lay the search index out again from the contacts as they are, each 3-gram's ids packed
    into its first blocks (taking back the holes removed postings left), and put what differs:
    blocks, documents, counts and the directory of short words; the earlier layout's postings are deleted. Reads the whole
    table; run it with writes stopped. Returns what it wrote, by kind."""
    crm = _Crm(_every_item())
    postings = defaultdict(set)
    for contact in crm.contacts.values():
        for gram in search.grams_of(contact):
            postings[gram].add(int(contact.id))
    blocks, placements = search.packed(postings)
    written = Counter()
    with CrmItem.batch_write() as batch:
        for (gram, block), ids in blocks.items():
            if crm.blocks.get((gram, block)) != ids:
                batch.save(search.block_item(gram, block, ids))
                written["search blocks"] += 1
        for gram, block in crm.blocks.keys() - blocks.keys():
            batch.delete(GramBlock(*GramBlock.key(gram, block)))
            written["search blocks"] += 1
        for item in crm.legacy_postings:
            batch.delete(item)
            written["search postings of the earlier layout"] += 1
        for contact in crm.contacts.values():
            placed = placements.get(int(contact.id), {})
            if crm.documents.get(int(contact.id)) != placed or int(contact.id) in crm.unfinished:
                batch.save(SearchDocument(*SearchDocument.key(contact.id), placed=placed))
                written["contacts indexed for search"] += 1
        for contact_id in set(crm.documents) - {int(c.id) for c in crm.contacts.values()}:
            batch.delete(SearchDocument(*SearchDocument.key(contact_id)))
            written["contacts indexed for search"] += 1
        for gram, ids in postings.items():
            stored = crm.gram_counts.get(gram)
            if stored is None or (int(stored.count or 0), int(stored.slots or 0), bool(stored.listed)) != \
                    (len(ids), len(ids), True):
                batch.save(search.count_item(gram, len(ids), len(ids)))
                written["search counts"] += 1
        for gram in set(crm.gram_counts) - set(postings):
            batch.delete(crm.gram_counts[gram])
            written["search counts"] += 1
        listing = search.laid_out(search.directory(postings))
        for key, grams in listing.items():
            if crm.directory.get(key) != grams:
                batch.save(search.directory_item(key, grams))
                written["search directory"] += 1
        for key in crm.directory.keys() - listing.keys():
            batch.delete(GramDirectory(*key))
            written["search directory"] += 1
    return dict(written)
