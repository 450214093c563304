"""Unfiltered lists of what projects hold, deals and tickets: the total summed from the
counters of the contact buckets the caller sees (store/project_counters.py), the page a lazy
merge of the projects' streams keeping what the caller sees, so a page reads about its own
size divided by the share of the items the caller sees."""
from types import SimpleNamespace

from chalicelib.store import contacts as contact_store
from chalicelib.store import project_counters as counters

from . import policy
from .policy import Caller


def counted_for(caller: Caller, bucket: str, owner) -> bool:
    """Whether a counter counts items the caller sees (their project's own right aside):
    without a contact, with one in a bucket it sees whole, or, for a private bucket it does
    not, the counter of items whose contact it sees as its own."""
    if bucket == counters.NO_CONTACT:
        return owner is None
    visibility, projects = contact_store.bucket_parts(bucket)
    if policy.sees_bucket(caller, visibility, projects):
        return owner is None
    return owner is not None and owner == caller.id and policy.sees_as_own(
        caller, SimpleNamespace(visibility=visibility, project_ids=projects, author_id=owner, assigned_to_id=None))


def newest(caller: Caller, scope, wanted: int, newest_page, project_counts, keep) -> tuple:
    """(total, first `wanted` items) of everything of the scope's projects the caller sees:
    `newest_page` and `project_counts` are the kind's (deals, tickets), `keep` decides an item."""
    if policy.sees_every_contact(caller):
        return newest_page(scope, wanted)
    counts = project_counts(scope)
    seen = sum(n for c in counts.values() for (bucket, owner), n in c.items() if counted_for(caller, bucket, owner))
    return newest_page(scope, wanted, counts, seen=seen, keep=keep)
