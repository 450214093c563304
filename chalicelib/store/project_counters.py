"""How many deals or tickets each project holds, by the contact each hangs on: the bucket of
that contact (its visibility and projects, as the summary the deal entry or ticket carries
says) and, for a private contact, also per user who sees it as their own (author, assignee).
What a caller may see of a project's deals or tickets is then a sum of counters, and a list
page a lazy merge of the projects' streams, newest first (both kinds order their streams by
`newest_first`). The counter model (DealCounter, TicketCounter) says which kind is counted."""
import random

from . import contacts as contact_store

NO_CONTACT = "none"     # the bucket of what hangs on no contact (or on one that is gone)


def marks(project_id, summary) -> set:
    """What one deal or ticket adds to its kind's counters, by its contact summary: (project,
    the contact's bucket, None), and for a private contact (project, bucket, user) for its
    author and its assignee."""
    if not summary:
        return {(int(project_id), NO_CONTACT, None)}
    bucket = contact_store.bucket_stream(summary["visibility"], summary["project_ids"])
    found = {(int(project_id), bucket, None)}
    if int(summary["visibility"]) == contact_store.PRIVATE:
        found |= {(int(project_id), bucket, int(user)) for user in (summary["author_id"], summary["assigned_to_id"])
                  if user is not None}
    return found


def shard_update(counter, mark, delta: int) -> tuple:
    """(a random shard of the mark's counter, the actions adding `delta`), for tx.update(*...)."""
    project_id, bucket, owner = mark
    item = counter(*counter.key(project_id, bucket, owner, random.randrange(counter.SHARDS)))
    actions = [counter.count.add(delta), counter.kind.set(counter), counter.bucket.set(bucket)]
    return item, actions + ([counter.owner.set(owner)] if owner is not None else [])


def counter_item(counter, mark, total: int):
    """Shard 0 of a mark's counter holding `total` (seeding and rebuilds)."""
    project_id, bucket, owner = mark
    return counter(*counter.key(project_id, bucket, owner, 0), bucket=bucket, owner=owner, count=total)


def project_counts(counter, projects) -> dict:
    """{project: {(contact bucket, owner or None): how many}} from the projects' counters, one
    Query per project, together."""
    found = {int(p): {} for p in projects}

    def read(project_id):
        for shard in counter.query(counter.partition(project_id), consistent_read=True):
            key = (shard.bucket, None if shard.owner is None else int(shard.owner))
            found[project_id][key] = found[project_id].get(key, 0) + int(shard.count)
    contact_store.concurrently([lambda p=p: read(p) for p in found])
    return {p: {k: n for k, n in counts.items() if n} for p, counts in found.items()}


def newest_page(counter, model, stream_of, projects, wanted: int, counts=None, keep=None, seen=None) -> tuple:
    """(total, the first `wanted` items, newest first) of the projects' deals or tickets: the
    projects' totals from their counters (`counts`, read when not given), the page a lazy merge
    of their streams (`stream_of(project)`) of `model` items. With `keep`, only the items it
    keeps, `seen` of them in all."""
    counts = project_counts(counter, projects) if counts is None else counts
    whole = {stream_of(p): sum(n for (_bucket, owner), n in c.items() if owner is None) for p, c in counts.items()}
    total = sum(whole.values()) if seen is None else seen
    page = contact_store.merged_page({s: n for s, n in whole.items() if n}, wanted, model=model,
                                     keep=keep, share=total / max(1, sum(whole.values())))
    return total, page
