"""Tags: the spelling a written tag takes, and the tag list with the plugin's colours.

A tag keeps the spelling it was first given, but only as far as the caller can know it: the
spelling comes from a contact the caller sees carrying the tag, never from hidden ones, so
neither a create's answer nor the tag list tells a caller how (or whether) a tag is spelled on
contacts it cannot see. Admins see every contact: they get the first spelling and the counters.
"""
from chalicelib.store import contacts as store
from chalicelib.store import tags as tag_store

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
    """[(id, name, contacts count)] of the tags carried by contacts the caller sees, by name."""
    tags = tag_store.all_tags()
    if policy.sees_every_contact(caller):
        counts = store.stream_counts([store.tag_stream(t.name) for t in tags])
        return [(int(t.id), t.name, counts[store.tag_stream(t.name)]) for t in tags
                if counts[store.tag_stream(t.name)] > 0]
    policy.require_contact_list(caller)
    counts, spellings, seen = {}, {}, set()
    streams = [store.project_stream(p) for p in policy.contact_streams(caller)] + [store.PUBLIC]
    for stream in streams:
        for entry in store.read_stream(stream):
            if entry.contact_id in seen or not policy.sees_contact(caller, entry):
                continue
            seen.add(entry.contact_id)
            for tag in entry.tags or []:
                folded = store.fold(tag)
                counts[folded] = counts.get(folded, 0) + 1
                spellings.setdefault(folded, set()).add(tag)
    found = []
    for tag in tags:
        folded = store.fold(tag.name)
        if counts.get(folded):
            # The first spelling when a visible contact carries it, else one the caller sees.
            shown = spellings[folded]
            name = tag.name if tag.name in shown else min(shown)
            found.append((int(tag.id), name, counts[folded]))
    return found
