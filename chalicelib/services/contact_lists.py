"""Listing contacts: the filters of SPEC section 5, decided on index entries.

A list picks the most selective stream it can (a tag, an assignee, a project with its
subprojects; for a non-admin without a project, every project where it may view contacts
plus "public"), merges those streams in order, drops duplicates and what the caller may not
see, applies the other filters and counts exactly. Contact items are fetched only for the
page, with one BatchGetItem. An admin listing one counted stream with no filter reads only
offset + limit entries and takes the count from the stream's counter.
"""
import datetime
import heapq
import re
from dataclasses import dataclass, field
from typing import Optional

from chalicelib.store import contacts as store

from . import contact_search
from . import projects as project_rules
from . import validation as v
from .errors import Invalid
from . import policy
from .policy import Caller

SORT_FIELDS = ("id", "name", "first_name", "last_name", "company", "job_title", "created_on",
               "updated_on")
DEFAULT_SORT = (("last_name", False), ("first_name", False), ("id", False))
MAX_IDS = 500
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


@dataclass
class ListQuery:
    project_ids: Optional[set] = None          # the project and its subprojects
    single_project: Optional[int] = None       # the project, when it has no subprojects
    assigned: Optional[tuple] = None           # ("id", n) | ("any",) | ("none",)
    tags: list = field(default_factory=list)   # case-folded
    words: list = field(default_factory=list)  # case-folded
    is_company: Optional[bool] = None
    ids: Optional[list] = None
    author_id: Optional[int] = None
    created: Optional[tuple] = None            # (lowest, highest) stamps, either may be None
    updated: Optional[tuple] = None
    sort: tuple = DEFAULT_SORT
    include_projects: bool = False


# ------------------------------------------------------------------ parameters

def _bad(name: str):
    return Invalid([f"Parameter {name} is invalid"])


def _text(params: dict, name: str):
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        value = ",".join(str(v) for v in value if isinstance(v, str))
    if not isinstance(value, str):
        raise _bad(name)
    return value.strip()


def _user_ref(caller: Caller, value: str, name: str) -> int:
    if value == "me":
        return caller.id if caller.id is not None else -1
    if not v.is_id(value):
        raise _bad(name)
    return int(value)


def _stamp(value: str, name: str, upper: bool) -> str:
    value = value.strip()
    try:
        if len(value) == 10:
            day = datetime.date.fromisoformat(value)
            return day.isoformat() + ("T23:59:59Z" if upper else "T00:00:00Z")
        if not _STAMP.match(value):
            raise ValueError(value)
        return v.utc_stamp(value)
    except ValueError:
        raise _bad(name) from None


def stamp(value: str, name: str) -> str:
    """A time given as a parameter (a day means its start), in the stored form; 422 naming the
    parameter when it is none."""
    return _stamp(value, name, False)


def _range(value: str, name: str) -> tuple:
    if value.startswith(">="):
        return _stamp(value[2:], name, False), None
    if value.startswith("<="):
        return None, _stamp(value[2:], name, True)
    if value.startswith("><"):
        parts = value[2:].split("|")
        if len(parts) != 2:
            raise _bad(name)
        return _stamp(parts[0], name, False), _stamp(parts[1], name, True)
    return _stamp(value, name, False), _stamp(value, name, True)


def _sort(value) -> tuple:
    if not value:
        return DEFAULT_SORT
    keys = []
    for part in value.split(","):
        name, _, direction = part.strip().partition(":")
        if name in SORT_FIELDS and name not in [k for k, _ in keys]:
            keys.append((name, direction.strip().lower() == "desc"))
    return tuple(keys) or DEFAULT_SORT


def parse(caller: Caller, params: dict, path_project=None) -> ListQuery:
    if params.get("query_id") not in (None, ""):
        raise Invalid(["Saved queries are not supported"])
    query = ListQuery()
    project_ref = path_project if path_project is not None else _text(params, "project_id")
    if project_ref:
        project = project_rules.find(caller, project_ref)
        policy.require_contact_list(caller, project)
        sub = project_rules.descendants(caller, int(project.id))
        query.project_ids = {int(project.id), *sub}
        query.single_project = None if sub else int(project.id)
    else:
        policy.require_contact_list(caller)
    assigned = _text(params, "assigned_to_id")
    if assigned:
        query.assigned = {"*": ("any",), "!*": ("none",)}.get(assigned) or \
            ("id", _user_ref(caller, assigned, "assigned_to_id"))
    tags = _text(params, "tags")
    if tags:
        query.tags = list(dict.fromkeys(store.fold(t.strip()) for t in re.split(r"[,|]", tags) if t.strip()))
    search = _text(params, "search")
    if search:
        query.words = list(dict.fromkeys(store.fold(w) for w in search.split() if store.fold(w)))
    is_company = _text(params, "is_company")
    if is_company:
        if is_company.lower() not in ("1", "true", "0", "false"):
            raise _bad("is_company")
        query.is_company = is_company.lower() in ("1", "true")
    ids = _text(params, "ids")
    if ids:
        parts = [p.strip() for p in re.split(r"[,|]", ids) if p.strip()]
        if not all(v.is_id(p) for p in parts) or len(parts) > MAX_IDS:
            raise _bad("ids")
        query.ids = list(dict.fromkeys(int(p) for p in parts))
    author = _text(params, "author_id")
    if author:
        query.author_id = _user_ref(caller, author, "author_id")
    for name in ("created_on", "updated_on"):
        value = _text(params, name)
        if value:
            setattr(query, name[:-3], _range(value, name))
    query.sort = _sort(_text(params, "sort"))
    return query


# ------------------------------------------------------------------ filtering

def _in_range(stamp: str, bounds) -> bool:
    if not bounds:
        return True
    low, high = bounds
    return (low is None or stamp >= low) and (high is None or stamp <= high)


def _matches(entry, query: ListQuery) -> bool:
    if query.project_ids is not None and not query.project_ids & {int(p) for p in entry.project_ids}:
        return False
    if query.assigned:
        kind = query.assigned[0]
        if kind == "any" and not entry.assigned_to_id:
            return False
        if kind == "none" and entry.assigned_to_id:
            return False
        if kind == "id" and entry.assigned_to_id != query.assigned[1]:
            return False
    if query.tags and not set(query.tags) <= {store.fold(t) for t in entry.tags or []}:
        return False
    if query.is_company is not None and bool(entry.is_company) != query.is_company:
        return False
    if query.author_id is not None and entry.author_id != query.author_id:
        return False
    if query.created and not _in_range(entry.created_on, query.created):
        return False
    if (query.updated or query.words) and store.is_full(entry):
        if query.updated and not _in_range(entry.updated_on, query.updated):
            return False
        if query.words and not all(word in (entry.search or "") for word in query.words):
            return False
    return True


# Sort keys only "updated" entries carry.
FULL_SORTS = {"company", "job_title", "updated_on"}


def _needs_full(query: ListQuery) -> bool:
    """Whether the list decides on what only "updated" entries carry: the updated_on range,
    search words, or a sort by company, job title or updated_on."""
    return bool(query.updated or query.words or any(name in FULL_SORTS for name, _ in query.sort))


def _full(entries: list) -> list:
    """The entries as the "updated" stream holds them, read by key for those from other
    streams (a contact gone since is left out), in the same order."""
    found = store.entries_by_id([e.contact_id for e in entries if not store.is_full(e)])
    full = [e if store.is_full(e) else found.get(int(e.contact_id)) for e in entries]
    return [e for e in full if e is not None]


def _sort_value(entry, name: str):
    if name == "id":
        return int(entry.contact_id)
    if name == "name":
        return store.fold(entry.name)
    return getattr(entry, name) or ""


def _sorted(entries: list, sort: tuple) -> list:
    for name, descending in reversed(sort):
        entries.sort(key=lambda e: _sort_value(e, name), reverse=descending)
    return entries


# ------------------------------------------------------------------ plan and run

def visible_buckets(caller: Caller, project_ids=None, counts=None) -> dict:
    """{bucket stream: contacts in it} of the buckets the caller sees whole, within the projects
    when given."""
    counts = store.bucket_counts() if counts is None else counts
    visible = {}
    for bucket, count in counts.items():
        visibility, projects = store.bucket_parts(bucket)
        if (project_ids is None or projects & project_ids) and policy.sees_bucket(caller, visibility, projects):
            visible[bucket] = count
    return visible


def own_extra(caller: Caller, project_ids=None) -> list:
    """Entries of private contacts the caller sees only as its own (their bucket hidden from it),
    within the projects when given: read from its own stream, never from anyone else's."""
    if caller.admin or caller.anonymous or caller.id is None:
        return []
    found = []
    for entry in store.read_stream(store.own_stream(caller.id)):
        projects = {int(p) for p in entry.project_ids}
        if project_ids is not None and not projects & project_ids:
            continue
        if not policy.sees_bucket(caller, int(entry.visibility), projects) and policy.sees_as_own(caller, entry):
            found.append(entry)
    return found


def _plain(query: ListQuery) -> bool:
    """A list in the default order narrowed by nothing but a project: a merge of buckets."""
    return query.sort == DEFAULT_SORT and not (
        query.words or query.tags or query.assigned or query.is_company is not None or
        query.ids is not None or query.author_id is not None or query.created or query.updated)


def _updated_since(query: ListQuery):
    """The earliest updated_on a listed contact may have: the start of the updated_on range or
    of the created_on range, whichever is later (a contact is never updated before it was
    created: contacts.save)."""
    starts = [bounds[0] for bounds in (query.updated, query.created) if bounds and bounds[0]]
    return max(starts) if starts else None


def _candidates(caller: Caller, query: ListQuery):
    """Every entry the list could return, in default (name) order, each contact once."""
    if query.ids is not None:
        return sorted(store.entries_by_id(query.ids).values(), key=store.entry_name_order)
    # Without a tag, an assignee or a project, the list's own read is the "updated" stream: a
    # search matching much of it reads it rather than its candidates one by one.
    streamed = not query.tags and not (query.assigned and query.assigned[0] == "id") and query.project_ids is None
    searched = contact_search.candidates(query.words, streamed)
    if searched is not None:
        return searched
    if query.tags:
        return list(store.read_stream(store.tag_stream(query.tags[0])))
    if query.assigned and query.assigned[0] == "id":
        return list(store.read_stream(store.assignee_stream(query.assigned[1])))
    since = _updated_since(query)
    if query.updated or (_needs_full(query) or since) and query.project_ids is None:
        # The stream ordered by updated_on holds every contact with all it is filtered and
        # sorted on: read what changed since the range's start (an incremental sync, or what
        # was created since), or whole rather than the caller's buckets and then each entry
        # again by key.
        until = query.updated[1] if query.updated else None
        changed = store.read_stream(store.UPDATED, order_condition=store.updated_between(since, until))
        return sorted(changed, key=store.entry_name_order)
    buckets = visible_buckets(caller, query.project_ids)
    streams = [store.read_stream(bucket) for bucket in buckets] + \
        [iter(sorted(own_extra(caller, query.project_ids), key=lambda e: e.order))]
    return list(heapq.merge(*streams, key=lambda e: e.order))


def _one_tag(query: ListQuery) -> bool:
    """A list in the default order of one tag, within a project at most."""
    return len(query.tags) == 1 and query.sort == DEFAULT_SORT and not (
        query.words or query.assigned or query.is_company is not None or query.ids is not None or
        query.author_id is not None or query.created or query.updated)


def _tag_page(caller: Caller, query: ListQuery, wanted: int) -> tuple:
    """(total, first `wanted` entries) of one tag: the count summed from the tag's counters in
    the buckets the caller sees (and its own private contacts), the page read from the tag's
    stream in chunks sized by the share of it the caller sees."""
    tag = query.tags[0]
    counts = {bucket: n for (bucket, spelling), n in store.bucket_tag_counts().items() if store.fold(spelling) == tag}
    seen = visible_buckets(caller, query.project_ids, counts)
    extra = [e for e in own_extra(caller, query.project_ids) if tag in {store.fold(t) for t in e.tags or []}]
    total = sum(seen.values()) + len(extra)
    whole = sum(counts.values()) or 1
    if not total:
        return 0, []
    page = store.filtered_page(store.tag_stream(tag), wanted,
                               lambda e: policy.sees_contact(caller, e) and _matches(e, query), total / whole)
    return total, page


def _admin_count(query: ListQuery):
    """(stream, total) when an admin lists one assignee and nothing else: the page then reads
    offset + limit entries of that stream and the count comes from its counter."""
    if query.sort != DEFAULT_SORT or query.words or query.is_company is not None or \
            query.ids is not None or query.author_id is not None or query.created or \
            query.updated or query.project_ids is not None:
        return None
    if query.assigned and query.assigned[0] == "id" and not query.tags:
        stream = store.assignee_stream(query.assigned[1])
        return stream, store.stream_count(stream)
    return None


def _plain_page(caller: Caller, query: ListQuery, counts: dict, buckets: dict, extra: list, wanted: int) -> list:
    """The first `wanted` entries of a plain list: a merge of the visible buckets, or, when the
    caller sees most of a large table through many buckets, the "all" stream read with the
    same visibility decided on each entry, whichever reads less."""
    seen = sum(buckets.values()) + len(extra)
    if query.project_ids is None and seen:
        whole = sum(counts.values())
        by_buckets = wanted + 2 * len(buckets) + store.QUERY_COST * len(buckets)
        by_all = min(whole, wanted * whole / seen) + store.QUERY_COST
        if by_all < by_buckets:
            return store.filtered_page(store.ALL, wanted, lambda e: policy.sees_contact(caller, e), seen / whole)
    return store.merged_page(buckets, wanted, extra)


def _by_updated_on(query: ListQuery) -> bool:
    """A list sorted by updated_on alone, narrowed by nothing but a project."""
    return len(query.sort) == 1 and query.sort[0][0] == "updated_on" and not (
        query.words or query.tags or query.assigned or query.is_company is not None or
        query.ids is not None or query.author_id is not None or query.created or query.updated)


def _updated_page(caller: Caller, query: ListQuery, wanted: int, seen: int, whole: int) -> list:
    """The first `wanted` entries of a list sorted by updated_on: the "updated" stream read from
    the end the sort starts at, keeping what the caller sees (`seen` of `whole`), and the entries
    updated in the same second as the last one, since the default order breaks those ties."""
    found = store.filtered_page(store.UPDATED, wanted, lambda e: policy.sees_contact(caller, e) and _matches(e, query),
                                seen / max(1, whole), forward=not query.sort[0][1],
                                tied=lambda last, entry: entry.updated_on == last.updated_on)
    return _sorted(sorted(found, key=store.entry_name_order), query.sort)[:wanted]


def _visible(caller: Caller, query: ListQuery) -> tuple:
    """(every bucket's count, the buckets the caller sees whole, its own extra entries, how many
    contacts it sees) within the list's projects."""
    counts = store.bucket_counts()
    buckets = visible_buckets(caller, query.project_ids, counts)
    extra = own_extra(caller, query.project_ids)
    return counts, buckets, extra, sum(buckets.values()) + len(extra)


def run(caller: Caller, query: ListQuery, page) -> tuple:
    """(total_count, the page's contacts in order)."""
    wanted = page.offset + page.limit
    counted = None if _plain(query) or _one_tag(query) or not policy.sees_every_contact(caller) \
        else _admin_count(query)
    if _by_updated_on(query):
        counts, _buckets, _extra, total = _visible(caller, query)
        entries = _updated_page(caller, query, wanted, total, sum(counts.values()))[page.offset:] \
            if page.offset < total else []
    elif _plain(query):
        counts, buckets, extra, total = _visible(caller, query)
        entries = _plain_page(caller, query, counts, buckets, extra, wanted)[page.offset:] \
            if page.offset < total else []
    elif _one_tag(query):
        total, entries = _tag_page(caller, query, wanted)
        entries = entries[page.offset:]
    elif counted is not None:
        stream, total = counted
        entries = list(store.read_stream(stream, limit=wanted))[page.offset:wanted] if page.offset < total else []
    else:
        selected = [e for e in _candidates(caller, query)
                    if policy.sees_contact(caller, e) and _matches(e, query)]
        if _needs_full(query) and not all(store.is_full(e) for e in selected):
            selected = [e for e in _full(selected) if policy.sees_contact(caller, e) and _matches(e, query)]
        if query.sort != DEFAULT_SORT:
            selected = _sorted(selected, query.sort)
        total = len(selected)
        entries = page.slice(selected)
    found = store.get_many(e.contact_id for e in entries)
    # Entries follow their contact a moment later (the crm stream's consumer; on AWS the index
    # lags too): what the page shows is decided again on the contacts as they are now.
    page = [found.get(int(e.contact_id)) for e in entries]
    return total, [contact for contact in page if contact is not None and policy.sees_contact(caller, contact)]
