"""The search index: for every contact, a posting under each 3-gram of its searchable text
(names, company, job title, emails, phones, case-folded, each whitespace-free run apart), a
count per 3-gram, and the contact's list of 3-grams.

It is kept off the request path by the consumer of the crm table's stream (chalicelib/
consumers), which calls `index_contact` for every contact that changed: the contact as it is
now against the 3-grams it was indexed under, so replays and reordering do no harm. A search
search reads the postings of the rarest 3-gram of its words, and of the next rarest while
they are fewer than the candidates they may rule out: every contact whose text holds the words
is among the ids in all of them, and the caller checks each exactly.
"""
from .contacts import fold, search_fields
from .crm import ContactRecord, GramCount, GramPosting, SearchDocument
from .operations import fetch

GRAM = 3


def grams_of_text(text: str) -> set:
    grams = set()
    for token in fold(text).split():
        grams.update(token[i:i + GRAM] for i in range(len(token) - GRAM + 1))
    return grams


def grams_of(contact) -> set:
    grams = set()
    for text in search_fields(contact):
        grams |= grams_of_text(text)
    return grams


def word_grams(word: str) -> set:
    """The 3-grams of a folded search word that postings can hold (none with whitespace)."""
    grams = (word[i:i + GRAM] for i in range(len(word) - GRAM + 1))
    return {gram for gram in grams if not any(ch.isspace() for ch in gram)}


def _changes(contact_id: int, old: set, new: set, rewrite: bool = False) -> None:
    added, gone = new - old, old - new
    with GramPosting.batch_write() as batch:
        for gram in (new if rewrite else added):
            batch.save(GramPosting(*GramPosting.key(gram, contact_id), contact_id=int(contact_id)))
        for gram in gone:
            batch.delete(GramPosting(*GramPosting.key(gram, contact_id)))
    if rewrite:
        return      # a rebuild counts the postings afterwards
    for gram, delta in [(g, 1) for g in added] + [(g, -1) for g in gone]:
        GramCount(*GramCount.key(gram)).update(actions=[GramCount.count.add(delta), GramCount.kind.set(GramCount)])


def index_contact(contact_id: int, rewrite: bool = False) -> None:
    """Bring the contact's postings to what it holds now (none when it is gone). `rewrite`
    writes every posting again, whatever its list of 3-grams says (a rebuild; counts untouched)."""
    contact = fetch(ContactRecord, contact_id)
    document = fetch(SearchDocument, contact_id)
    old = set(document.grams) if document is not None else set()
    new = grams_of(contact) if contact is not None else set()
    if not rewrite and old == new and (document is not None) == (contact is not None):
        return
    _changes(contact_id, old, new, rewrite)
    if contact is None:
        if document is not None:
            document.delete()
    else:
        SearchDocument(*SearchDocument.key(contact_id), grams=sorted(new)).save()


def gram_counts(words) -> list:
    """(gram, postings count) of every 3-gram of the folded search words, rarest first (one
    BatchGetItem over their counts)."""
    grams = sorted(set().union(*(word_grams(word) for word in words))) if words else []
    counts = {gram: 0 for gram in grams}
    for found in GramCount.batch_get([GramCount.key(g) for g in grams]) if grams else ():
        counts[found.pk.split("#", 1)[1]] = int(found.count)
    return sorted(counts.items(), key=lambda pair: (pair[1], pair[0]))


def postings(gram: str) -> list:
    """The ids of every contact indexed under the gram, in id order."""
    return [int(p.contact_id) for p in GramPosting.query(f"gram#{gram}", GramPosting.sk >= "0")]


def seed(contacts) -> None:
    """Index many new contacts at once (the store's seeding for benchmarks and cost tests)."""
    counts = {}
    with GramPosting.batch_write() as batch:
        for contact in contacts:
            grams = grams_of(contact)
            batch.save(SearchDocument(*SearchDocument.key(contact.id), grams=sorted(grams)))
            for gram in grams:
                batch.save(GramPosting(*GramPosting.key(gram, contact.id), contact_id=int(contact.id)))
                counts[gram] = counts.get(gram, 0) + 1
    # Counts are put whole (what is there plus the new postings), in batches: a bulk load runs
    # alone, and one UpdateItem per 3-gram would be most of its time.
    for found in GramCount.batch_get([GramCount.key(gram) for gram in counts]):
        counts[found.pk.split("#", 1)[1]] += int(found.count)
    with GramCount.batch_write() as batch:
        for gram, total in counts.items():
            batch.save(GramCount(*GramCount.key(gram), count=total))


def set_count(gram: str, count: int) -> None:
    GramCount(*GramCount.key(gram), count=count).save()
