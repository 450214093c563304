"""Deals in DynamoDB: the deal item and one small entry per stream it is listed in (its
project, its contact and related contacts), written together in one transaction with the deal
counters. Each entry carries what its contact's visibility is decided on, kept up to date when
that changes; the counters count each project's deals by that summary (the bucket of the
contact, and for a private one the users who see it as their own), so what a caller may see of
a project's deals is a sum of counters."""
from . import contacts as contact_store
from . import project_counters as counters
from .contacts import SEARCH_SEPARATOR, fold
from .crm import DealCounter, DealIndexEntry, DealRecord, newest_first
from .operations import fetch, fetch_many
from .versions import TRANSACTION_LIMIT, TooManyChanges, VersionConflict, apply, condition, optimistic, run

NO_CONTACT = counters.NO_CONTACT


def project_stream(project_id) -> str:
    return f"deals#project#{int(project_id)}"


def contact_stream(contact_id) -> str:
    return f"deals#contact#{int(contact_id)}"


def contact_ids(deal) -> list:
    ids = [int(deal.contact_id)] if deal.contact_id else []
    return list(dict.fromkeys(ids + [int(c) for c in deal.related_contact_ids or []]))


def streams_of(deal) -> list:
    if deal is None:
        return []
    return [project_stream(deal.project_id)] + [contact_stream(c) for c in contact_ids(deal)]


def entries_of(deal, contact=None) -> list:
    """The deal's entries; `contact` is its contact as stored (None when it has none or it is gone)."""
    pk = DealRecord.key(deal.id)[0]
    search = SEARCH_SEPARATOR.join(fold(p) for p in (deal.name, deal.background) if p) or None
    summary = contact_store.visibility_summary(contact) if deal.contact_id else None
    return [DealIndexEntry(pk, f"entry#{stream}", stream=stream, order=newest_first(deal.id),
                           deal_id=int(deal.id), project_id=int(deal.project_id), contact_id=deal.contact_id,
                           contact_ids=contact_ids(deal), status_id=deal.status_id,
                           assigned_to_id=deal.assigned_to_id, search=search, contact_summary=summary)
            for stream in streams_of(deal)]


def _stored_project_entry(deal_pk: str):
    """The deal's entry in its project's stream as stored (None: not written yet)."""
    query = DealIndexEntry.query(deal_pk, DealIndexEntry.sk.startswith("entry#deals#project#"), consistent_read=True)
    return next(iter(query), None)


def _stored_marks(deal_pk: str) -> set:
    entry = _stored_project_entry(deal_pk)
    return marks(entry.project_id, entry.contact_summary) if entry is not None else set()


def marks(project_id, summary) -> set:
    return counters.marks(project_id, summary)


def _count(tx, mark, delta: int) -> None:
    item, actions = counters.shard_update(DealCounter, mark, delta)
    tx.update(item, actions=actions)


def follow_contact(contact_id, contact) -> int:
    """After a contact's visibility, projects, author or assignee changed (or it was deleted:
    `contact` None), the deals naming it as their contact carry the new summary, and the deal
    counters follow: each deal written again, conditioned on its version. Returns how many
    deals changed; a deal being changed by others at that moment is left to the next list that
    shows it (see services.deals.page_of)."""
    summary = contact_store.visibility_summary(contact)
    changed = 0
    for entry in DealIndexEntry.streams.query(contact_stream(contact_id)):
        if entry.contact_id is None or int(entry.contact_id) != int(contact_id):
            continue      # a deal naming the contact only as related
        stored = _stored_project_entry(entry.pk)
        if stored is None or stored.contact_summary == summary:
            continue
        deal = get(entry.deal_id)
        if deal is None:
            continue
        try:
            optimistic(deal, save, lambda deal_id=entry.deal_id: get(deal_id))
            changed += 1
        except VersionConflict:
            pass
    return changed


def save(deal, previous=None) -> None:
    """The deal and its entries, conditioned on `previous` still being what is stored (or
    nothing, on create); VersionConflict otherwise. The counters move from what the stored
    entries say to what the new ones say (a follow-up of the contact advances the deal's
    version too, so the two never pass each other)."""
    contact = contact_store.get(deal.contact_id) if deal.contact_id else None
    entries = entries_of(deal, contact)
    old = set(streams_of(previous))
    removed = old - {e.stream for e in entries}
    old_marks = _stored_marks(deal.pk) if previous is not None else set()
    new_marks = marks(deal.project_id, entries[0].contact_summary)
    counts = [(m, 1) for m in new_marks - old_marks] + [(m, -1) for m in old_marks - new_marks]
    if 1 + len(entries) + len(removed) + len(counts) > TRANSACTION_LIMIT:
        raise TooManyChanges()

    def build(tx):
        tx.save(deal, condition=condition(DealRecord, previous))
        for entry in entries:
            tx.save(entry)
        for stream in removed:
            tx.delete(DealIndexEntry(deal.pk, f"entry#{stream}"))
        for mark, delta in counts:
            _count(tx, mark, delta)

    run(build, guarded=len(removed))   # the deal is the first put, after the deletes


def remove(deal, extra=()) -> None:
    """The deal with its entries and the ("delete", item) pairs of `extra` (its notes), if it is
    still the version read."""
    streams = streams_of(deal)
    gone = _stored_marks(deal.pk)
    if 1 + len(streams) + len(gone) + len(extra) > TRANSACTION_LIMIT:
        raise TooManyChanges()

    def build(tx):
        tx.delete(deal, condition=condition(DealRecord, deal))
        for stream in streams:
            tx.delete(DealIndexEntry(deal.pk, f"entry#{stream}"))
        for mark in gone:
            _count(tx, mark, -1)
        apply(tx, extra)

    run(build, guarded=0)   # the deal is the first delete


def get(deal_id):
    return fetch(DealRecord, deal_id)


def get_many(deal_ids) -> dict:
    return fetch_many(DealRecord, deal_ids)


def entries_in(streams) -> list:
    """The entries of the streams, newest deal first, each deal once."""
    seen, found = set(), []
    for stream in streams:
        for entry in DealIndexEntry.streams.query(stream):
            if entry.deal_id not in seen:
                seen.add(entry.deal_id)
                found.append(entry)
    return sorted(found, key=lambda e: -int(e.deal_id))


def any_in_project(project_id) -> bool:
    """Whether the project has a deal (one Query for at most one entry)."""
    return any(True for _ in DealIndexEntry.streams.query(project_stream(project_id), limit=1))


def seed(deals, contacts: dict) -> None:
    """Write many new deals with their entries at once (benchmarks); `contacts` by id."""
    totals = {}
    with DealRecord.batch_write() as batch:
        for deal in deals:
            batch.save(deal)
            entries = entries_of(deal, contacts.get(int(deal.contact_id)) if deal.contact_id else None)
            for entry in entries:
                batch.save(entry)
            for mark in marks(deal.project_id, entries[0].contact_summary):
                totals[mark] = totals.get(mark, 0) + 1
    with DealCounter.batch_write() as batch:
        for mark, total in totals.items():
            batch.save(counter_item(mark, total))


def counter_item(mark, total: int) -> DealCounter:
    return counters.counter_item(DealCounter, mark, total)


def project_counts(projects) -> dict:
    return counters.project_counts(DealCounter, projects)


def newest_page(projects, wanted: int, counts=None, keep=None, seen=None) -> tuple:
    """(total, the first `wanted` entries, newest first) of the deals of these projects
    (project_counters.newest_page)."""
    return counters.newest_page(DealCounter, DealIndexEntry, project_stream, projects, wanted, counts, keep, seen)
