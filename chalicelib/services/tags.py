"""The tag list: every tag carried by at least one contact the caller can see, with the
plugin's colour. Admins are answered from the tag counters; others from the entries of the
streams they may see, so a hidden contact's tags never show."""
from chalicelib.store import contacts as store
from chalicelib.store import tags as tag_store

from .errors import Forbidden
from .permissions import Caller
from .visibility import ContactVisibility


def color(name: str) -> str:
    """The plugin's colour of a tag name."""
    return "#%06x" % (int(name.encode("utf-8").hex(), 16) % 0xffffff)


def visible_tags(caller: Caller) -> list:
    """[(tag record, contacts count)] of the tags the caller may see, by name."""
    tags = tag_store.all_tags()
    if caller.admin:
        counts = store.stream_counts([store.tag_stream(t.name) for t in tags])
        return [(t, counts[store.tag_stream(t.name)]) for t in tags if counts[store.tag_stream(t.name)] > 0]
    rules = ContactVisibility(caller)
    if not rules.viewing:
        raise Forbidden()
    counts, seen = {}, set()
    streams = [store.project_stream(p) for p in sorted(rules.viewing)] + [store.PUBLIC]
    for stream in streams:
        for entry in store.read_stream(stream):
            if entry.contact_id in seen or not rules.sees(entry):
                continue
            seen.add(entry.contact_id)
            for tag in entry.tags or []:
                counts[tag] = counts.get(tag, 0) + 1
    return [(t, counts[store.fold(t.name)]) for t in tags if counts.get(store.fold(t.name))]
