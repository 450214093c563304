"""Deals in DynamoDB: the deal item and one small entry per stream it is listed in (its
project, its contact and related contacts), written together in one transaction. Each entry
carries what its contact's visibility is decided on, kept up to date when that changes."""
from . import contacts as contact_store
from .contacts import SEARCH_SEPARATOR, fold
from .crm import DealIndexEntry, DealRecord
from .operations import fetch, fetch_many
from .versions import TRANSACTION_LIMIT, TooManyChanges, condition, run

ORDER_BASE = 10 ** 12


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
    return [DealIndexEntry(pk, f"entry#{stream}", stream=stream, order=f"{ORDER_BASE - int(deal.id):012d}",
                           deal_id=int(deal.id), project_id=int(deal.project_id), contact_id=deal.contact_id,
                           contact_ids=contact_ids(deal), status_id=deal.status_id,
                           assigned_to_id=deal.assigned_to_id, search=search, contact_summary=summary)
            for stream in streams_of(deal)]


def follow_contact(contact_id, contact) -> int:
    """After a contact's visibility, projects, author or assignee changed (or it was deleted:
    `contact` None), the entries of the deals naming it as their contact carry the new summary.
    Returns how many entries changed."""
    summary = contact_store.visibility_summary(contact)
    changed = 0
    for entry in DealIndexEntry.streams.query(contact_stream(contact_id)):
        if entry.contact_id is None or int(entry.contact_id) != int(contact_id):
            continue      # a deal naming the contact only as related
        for own in DealIndexEntry.query(entry.pk, DealIndexEntry.sk.startswith("entry#")):
            if own.contact_summary != summary:
                attribute = DealIndexEntry.contact_summary
                own.update(actions=[attribute.set(summary) if summary else attribute.remove()])
                changed += 1
    return changed


def counted(stream: str) -> bool:
    """Project streams keep counters: an unfiltered list takes its total from them."""
    return stream.startswith("deals#project#")


def save(deal, previous=None) -> None:
    """The deal and its entries, conditioned on `previous` still being what is stored (or
    nothing, on create); VersionConflict otherwise."""
    entries = entries_of(deal, contact_store.get(deal.contact_id) if deal.contact_id else None)
    old = set(streams_of(previous))
    removed = old - {e.stream for e in entries}
    counts = [(s, 1) for s in {e.stream for e in entries} - old if counted(s)] + \
             [(s, -1) for s in removed if counted(s)]

    def build(tx):
        tx.save(deal, condition=condition(DealRecord, previous))
        for entry in entries:
            tx.save(entry)
        for stream in removed:
            tx.delete(DealIndexEntry(deal.pk, f"entry#{stream}"))
        for stream, delta in counts:
            tx.update(contact_store.counter_shard(stream), actions=contact_store.count_by(delta))

    run(build, guarded=len(removed))   # the deal is the first put, after the deletes


def remove(deal, extra=()) -> None:
    """The deal with its entries and the ("delete", item) pairs of `extra` (its notes), if it is
    still the version read."""
    streams = streams_of(deal)
    if 1 + len(streams) + sum(1 for s in streams if counted(s)) + len(extra) > TRANSACTION_LIMIT:
        raise TooManyChanges()

    def build(tx):
        tx.delete(deal, condition=condition(DealRecord, deal))
        for stream in streams:
            tx.delete(DealIndexEntry(deal.pk, f"entry#{stream}"))
            if counted(stream):
                tx.update(contact_store.counter_shard(stream), actions=contact_store.count_by(-1))
        for _action, item in extra:
            tx.delete(item)

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
            for entry in entries_of(deal, contacts.get(int(deal.contact_id)) if deal.contact_id else None):
                batch.save(entry)
                if counted(entry.stream):
                    totals[entry.stream] = totals.get(entry.stream, 0) + 1
    for stream, total in totals.items():
        contact_store.counter_shard(stream).update(actions=contact_store.count_by(total))


def newest_page(projects, wanted: int) -> tuple:
    """(total, the first `wanted` entries, newest first) of the deals of these projects: the
    total from their counters, the page a lazy merge of their streams."""
    streams = [project_stream(p) for p in sorted(projects)]
    counts = contact_store.stream_counts(streams)
    page = contact_store.merged_page({s: n for s, n in counts.items() if n}, wanted, model=DealIndexEntry)
    return sum(counts.values()), page
