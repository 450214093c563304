"""Deals in DynamoDB: the deal item and one small entry per stream it is listed in (its
project, its contact and related contacts), written together in one transaction."""
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


def entries_of(deal) -> list:
    pk = DealRecord.key(deal.id)[0]
    search = SEARCH_SEPARATOR.join(fold(p) for p in (deal.name, deal.background) if p) or None
    return [DealIndexEntry(pk, f"entry#{stream}", stream=stream, order=f"{ORDER_BASE - int(deal.id):012d}",
                           deal_id=int(deal.id), project_id=int(deal.project_id), contact_id=deal.contact_id,
                           contact_ids=contact_ids(deal),
                           status_id=deal.status_id, assigned_to_id=deal.assigned_to_id, search=search)
            for stream in streams_of(deal)]


def save(deal, previous=None) -> None:
    """The deal and its entries, conditioned on `previous` still being what is stored (or
    nothing, on create); VersionConflict otherwise."""
    entries = entries_of(deal)
    removed = set(streams_of(previous)) - {e.stream for e in entries}

    def build(tx):
        tx.save(deal, condition=condition(DealRecord, previous))
        for entry in entries:
            tx.save(entry)
        for stream in removed:
            tx.delete(DealIndexEntry(deal.pk, f"entry#{stream}"))

    run(build, guarded=len(removed))   # the deal is the first put, after the deletes


def remove(deal, extra=()) -> None:
    """The deal with its entries and the ("delete", item) pairs of `extra` (its notes), if it is
    still the version read."""
    streams = streams_of(deal)
    if 1 + len(streams) + len(extra) > TRANSACTION_LIMIT:
        raise TooManyChanges()

    def build(tx):
        tx.delete(deal, condition=condition(DealRecord, deal))
        for stream in streams:
            tx.delete(DealIndexEntry(deal.pk, f"entry#{stream}"))
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
