"""Tags: the spelling a written tag takes, and the tag list with the plugin's colours.

A tag keeps the spelling it was first given, but only as far as the caller can know it: the
spelling comes from a contact the caller sees carrying the tag, never from hidden ones, so
neither a create's answer nor the tag list tells a caller how (or whether) a tag is spelled on
contacts it cannot see. Admins see every contact: they get the first spelling and the counters.
"""
from chalicelib.store import contacts as store
from chalicelib.store import tags as tag_store

from . import contact_lists as lists
from . import policy
from .policy import Caller


def color(name: str) -> str:
    """The plugin's colour of a tag name."""
    return "#%06x" % (int(name.encode("utf-8").hex(), 16) % 0xffffff)


def _spelling_on(entry, folded: str):
    return next((t for t in entry.tags or [] if store.fold(t) == folded), None)


def _seen_spelling(caller: Caller, name: str):
    """The tag's spelling on the first contact (in name order) the caller sees, or None."""
    folded = store.fold(name)
    for entry in store.read_stream(store.tag_stream(name)):
        if policy.sees_contact(caller, entry):
            return _spelling_on(entry, folded)
    return None


def spelled(caller: Caller, names: list) -> list:
    """The names a contact written by `caller` stores: for each, the spelling the caller already
    sees on its contacts (an admin: the tag's first spelling), else the one given. New names
    are registered as tags."""
    records = tag_store.registered(names)
    result = []
    for name in names:
        if policy.sees_every_contact(caller):
            record = records.get(tag_store.name_key(name))
            result.append(record.name if record is not None else name)
        else:
            result.append(_seen_spelling(caller, name) or name)
    return result


def visible_tags(caller: Caller) -> list:
    """[(id, name, contacts count)] of the tags carried by contacts the caller sees, by name:
    summed from the tag counters of the buckets it sees whole, plus the private contacts it
    sees as its own. Never a read of the contacts themselves."""
    tags = tag_store.all_tags()
    if not policy.sees_every_contact(caller):
        policy.require_contact_list(caller)
    counts, spellings = {}, {}

    def add(spelling: str, n: int) -> None:
        folded = store.fold(spelling)
        counts[folded] = counts.get(folded, 0) + n
        spellings.setdefault(folded, set()).add(spelling)

    tag_counts = store.bucket_tag_counts()
    seen = lists.visible_buckets(caller, counts={bucket: 1 for bucket, _tag in tag_counts})
    for (bucket, spelling), n in tag_counts.items():
        if bucket in seen:
            add(spelling, n)
    for entry in lists.own_extra(caller):
        for spelling in set(entry.tags or []):
            add(spelling, 1)
    found = []
    for tag in tags:
        folded = store.fold(tag.name)
        if counts.get(folded):
            # The first spelling when a contact the caller sees carries it (an admin sees every
            # contact), else one it sees.
            shown = spellings[folded]
            name = tag.name if tag.name in shown or policy.sees_every_contact(caller) else min(shown)
            found.append((int(tag.id), name, counts[folded]))
    return found
