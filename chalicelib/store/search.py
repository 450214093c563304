"""The search index: for every 3-gram of the contacts' searchable text (names, company, job
title, emails, phones, case-folded, each whitespace-free run apart, a run shorter than a 3-gram
standing for itself), the ids of the contacts holding it, packed GramBlock.BLOCK to an item,
with a count; for every contact, the block of each of its 3-grams (its SearchDocument); and for
every string of one or two characters, the 3-grams it is part of (GramDirectory), through which
a word too short for a 3-gram finds exactly the contacts whose text holds it.

It is kept off the request path by the consumer of the crm table's stream (chalicelib/
consumers), which calls `index_contact` for every contact that changed: the contact as it is
now against where it was indexed, so replays and reordering do no harm (a replay after a
failure between the block and the document at worst leaves an extra id, which a search checks
and drops). A search reads the counts of its words' 3-grams, then the blocks of the rarest and
of as many of the next rarest as cost fewer items than the candidates they may rule out: every
contact whose text holds the words is among the ids in all of them, and the caller checks each
exactly.
"""
from collections import defaultdict
from typing import NamedTuple

from pynamodb.exceptions import UpdateError

from .contacts import concurrently, fold, search_fields
from .crm import ContactRecord, GramBlock, GramCount, GramDirectory, SearchDocument
from .operations import fetch

GRAM = 3
# How many of a contact's 3-gram writes the consumer has under way at once (each a small
# UpdateItem: one after the other, a new contact's ~40 would take ~40 round trips).
CONSUMER_WRITES = 8


def grams_of_text(text: str) -> set:
    """The 3-grams of each whitespace-free run of the folded text, and each run too short to
    have one as it is (so that every substring without whitespace is part of some)."""
    grams = set()
    for token in fold(text).split():
        if len(token) < GRAM:
            grams.add(token)
        else:
            grams.update(token[i:i + GRAM] for i in range(len(token) - GRAM + 1))
    return grams


def grams_of(contact) -> set:
    grams = set()
    for text in search_fields(contact):
        grams |= grams_of_text(text)
    return grams


def parts_of(gram: str) -> set:
    """The strings of one or two characters a 3-gram (or a shorter run) holds: where the
    directory lists it."""
    return {gram[i:i + size] for size in range(1, GRAM) for i in range(len(gram) - size + 1)}


def short(word: str) -> bool:
    """Whether a folded search word is too short for a 3-gram and is found through the
    directory (one holding whitespace is never part of a 3-gram: it has no postings)."""
    return len(word) < GRAM and not any(ch.isspace() for ch in word)


def word_grams(word: str) -> set:
    """The 3-grams of a folded search word that postings can hold (none with whitespace)."""
    grams = (word[i:i + GRAM] for i in range(len(word) - GRAM + 1))
    return {gram for gram in grams if not any(ch.isspace() for ch in gram)}


# ---------------------------------------------------------------- the consumer's writes

def _take_slot(gram: str) -> int:
    """The next slot of a 3-gram; one never listed in the directory is listed first (the one
    taking its first slot, or a retry of one that failed before listing it)."""
    counted = GramCount(*GramCount.key(gram))
    counted.update(actions=[GramCount.count.add(1), GramCount.slots.add(1), GramCount.kind.set(GramCount)])
    if not counted.listed:
        _list(gram)
    return int(counted.slots) - 1


def _list(gram: str) -> None:
    """Add the 3-gram to the directory of each of its parts (together), then mark it listed."""
    def add(part):
        try:
            GramDirectory(*GramDirectory.key(part, gram)).update(
                actions=[GramDirectory.grams.add({gram}), GramDirectory.kind.set(GramDirectory)])
        except UpdateError as error:
            if not _too_large(error):
                raise
            # A shard full to DynamoDB's item limit (text crafted to fill it): the part stops
            # being looked up rather than the consumer failing on it for ever.
            GramDirectory(f"within#{part}", GramDirectory.OVERFULL).save()
    concurrently([lambda p=part: add(p) for part in sorted(parts_of(gram))], CONSUMER_WRITES)
    GramCount(*GramCount.key(gram)).update(actions=[GramCount.listed.set(True)])


def _add(gram: str, block: int, ids) -> None:
    GramBlock(*GramBlock.key(gram, block)).update(
        actions=[GramBlock.ids.add({int(i) for i in ids}), GramBlock.kind.set(GramBlock)])


def _take_back(gram: str, block: int, contact_id: int) -> None:
    GramBlock(*GramBlock.key(gram, block)).update(actions=[GramBlock.ids.delete({int(contact_id)})])
    GramCount(*GramCount.key(gram)).update(actions=[GramCount.count.add(-1), GramCount.kind.set(GramCount)])


def index_contact(contact_id: int) -> None:
    """Bring the contact's postings to what it holds now (none when it is gone). Each 3-gram
    it gained takes a slot, each it lost is to be taken out of the block its document names;
    the document records that intent before any block changes and drops it once all are done,
    so a retry after a failure anywhere finishes the same change: ids are never missing, and
    never in two blocks of one 3-gram (a failure between taking a slot and recording it leaves
    a hole, and counts may drift by one; neither changes an answer)."""
    contact = fetch(ContactRecord, contact_id)
    document = fetch(SearchDocument, contact_id)
    placed = dict(document.placed or {}) if document is not None else {}
    pending = (document.pending if document is not None else None) or {}
    adding, removing = set(pending.get("adding", ())), dict(pending.get("removing", {}))
    wanted = grams_of(contact) if contact is not None else set()
    fresh, gone = wanted - set(placed), set(placed) - wanted
    if fresh or gone:
        slots = {}
        concurrently([lambda g=gram: slots.__setitem__(g, _take_slot(g)) for gram in sorted(fresh)], CONSUMER_WRITES)
        placed.update({gram: slot // GramBlock.BLOCK for gram, slot in slots.items()})
        removing.update({gram: placed.pop(gram) for gram in gone})
        adding = (adding | fresh) - gone
        SearchDocument(*SearchDocument.key(contact_id), placed=placed,
                       pending={"adding": sorted(adding), "removing": removing}).save()
    elif not pending and (document is not None) == (contact is not None):
        return
    # Each 3-gram's writes are independent of the others': they go out CONSUMER_WRITES at a time.
    concurrently([lambda g=gram: _add(g, placed[g], [contact_id]) for gram in sorted(adding)] +
                 [lambda g=gram, b=block: _take_back(g, b, contact_id) for gram, block in sorted(removing.items())],
                 CONSUMER_WRITES)
    if contact is None:
        SearchDocument(*SearchDocument.key(contact_id)).delete()
    else:
        SearchDocument(*SearchDocument.key(contact_id), placed=placed).save()


# ---------------------------------------------------------------- a search's reads

class GramStats(NamedTuple):
    gram: str
    count: int      # contacts holding it
    blocks: int     # items its postings take


def gram_counts(words) -> list:
    """The GramStats of every 3-gram of the folded search words, rarest first (one
    BatchGetItem over their counts)."""
    return counts_of(set().union(*(word_grams(word) for word in words)) if words else ())


def counts_of(grams) -> list:
    """The GramStats of the 3-grams (or short runs), rarest first, from BatchGetItem."""
    grams = sorted(grams)
    found = {gram: GramStats(gram, 0, 0) for gram in grams}
    for counted in GramCount.batch_get([GramCount.key(g) for g in grams]) if grams else ():
        gram = counted.pk.split("#", 1)[1]
        found[gram] = GramStats(gram, int(counted.count or 0), counted.blocks)
    return sorted(found.values(), key=lambda stats: (stats.count, stats.blocks, stats.gram))


def _too_large(error: UpdateError) -> bool:
    return error.cause_response_code == "ValidationException" and \
        "size" in str(error.cause_response_message or "").lower()


def listed_under(parts) -> dict:
    """part -> the 3-grams (and short runs) that hold it, one Query of its directory per part,
    together; None for a part whose directory is overfull (not every 3-gram is listed)."""
    listed = {part: set() for part in parts}

    def read(part):
        for shard in GramDirectory.query(f"within#{part}"):
            if shard.sk == GramDirectory.OVERFULL:
                listed[part] = None
                return
            listed[part].update(shard.grams or ())
    concurrently([lambda p=part: read(p) for part in listed])
    return listed


def holders(chosen) -> dict:
    """gram -> the ids of the contacts holding it, for the GramStats chosen: the blocks of each
    with one Query (billed on their summed size, not 4 KB a block as a BatchGetItem would),
    the Queries together."""
    held = {stats.gram: set() for stats in chosen}

    def read(gram):
        for found in GramBlock.query(f"gram#{gram}", GramBlock.sk.startswith("b#")):
            held[gram].update(int(i) for i in found.ids or ())
    concurrently([lambda g=stats.gram: read(g) for stats in chosen if stats.blocks])
    return held


# ---------------------------------------------------------------- bulk loads and rebuilds

def packed(postings: dict, taken: dict | None = None) -> tuple:
    """The layout of postings (gram -> contact ids) put in slots after those already `taken`
    (gram -> slots): (blocks {(gram, block): ids}, placements {contact id: {gram: block}})."""
    blocks, placements = defaultdict(set), defaultdict(dict)
    for gram, ids in postings.items():
        for slot, contact_id in enumerate(sorted(ids), start=(taken or {}).get(gram, 0)):
            blocks[(gram, slot // GramBlock.BLOCK)].add(int(contact_id))
            placements[int(contact_id)][gram] = slot // GramBlock.BLOCK
    return dict(blocks), dict(placements)


def block_item(gram: str, block: int, ids) -> GramBlock:
    return GramBlock(*GramBlock.key(gram, block), ids={int(i) for i in ids} or None)


def count_item(gram: str, count: int, slots: int) -> GramCount:
    return GramCount(*GramCount.key(gram), count=count, slots=slots, listed=True)


def directory(grams) -> dict:
    """The directory listing the 3-grams: {(pk, sk) of a GramDirectory item: its grams}."""
    listing = defaultdict(set)
    for gram in grams:
        for part in parts_of(gram):
            listing[GramDirectory.key(part, gram)].add(gram)
    return dict(listing)


def laid_out(listing: dict) -> dict:
    """The directory items to write for a listing ({(pk, sk): grams}, as `directory` gives it):
    the shards that fit, and for a part with one that does not, none of its shards but the
    marker saying it is overfull (with no grams)."""
    overfull = {pk for (pk, _), grams in listing.items()
                if sum(len(g.encode("utf-8")) + 1 for g in grams) > GramDirectory.MOST_BYTES}
    items = {key: grams for key, grams in listing.items() if key[0] not in overfull}
    items.update({(pk, GramDirectory.OVERFULL): set() for pk in overfull})
    return items


def directory_item(key: tuple, grams) -> GramDirectory:
    return GramDirectory(*key, grams=set(grams) or None)


def seed(contacts) -> None:
    """Index many new contacts at once (the store's seeding for benchmarks and cost tests),
    after what the index holds: blocks put whole, the block each 3-gram's slots were filling
    added to, counts put whole (a bulk load runs alone)."""
    postings = defaultdict(set)
    for contact in contacts:
        for gram in grams_of(contact):
            postings[gram].add(int(contact.id))
    known = {c.pk.split("#", 1)[1]: c for c in GramCount.batch_get([GramCount.key(g) for g in postings])}
    taken = {gram: int(c.slots or 0) for gram, c in known.items()}
    blocks, placements = packed(postings, taken)
    unlisted = [gram for gram in postings if gram not in known or not known[gram].listed]
    for key, grams in directory(unlisted).items():
        GramDirectory(*key).update(actions=[GramDirectory.grams.add(grams), GramDirectory.kind.set(GramDirectory)])
    with GramBlock.batch_write() as batch:
        for (gram, block), ids in blocks.items():
            if taken.get(gram, 0) // GramBlock.BLOCK == block and taken.get(gram, 0) % GramBlock.BLOCK:
                _add(gram, block, ids)      # the block this 3-gram was filling
            else:
                batch.save(block_item(gram, block, ids))
        for contact in contacts:
            batch.save(SearchDocument(*SearchDocument.key(contact.id), placed=placements.get(int(contact.id), {})))
        for gram, ids in postings.items():
            before = known.get(gram)
            batch.save(count_item(gram, int(before.count or 0) + len(ids) if before else len(ids),
                                  taken.get(gram, 0) + len(ids)))
