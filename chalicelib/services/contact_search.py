"""Which postings a contact search reads: the candidates every contact holding all the search
words is among, read from the search index (store/search.py) at a cost that grows with what
the words match, not with the contacts stored. The caller checks each candidate exactly.

A search word of three characters or more stands for its 3-grams, each a *term*; a shorter
word is one term too, the union of the postings of every 3-gram (or short run) the
directory lists it under. Terms are read rarest first: the rarest, then each next one while
the blocks read besides stay fewer than the candidates it may rule out, so intersecting never
costs more items than it can save.
"""
import functools
from typing import NamedTuple

from chalicelib.store import contacts as store
from chalicelib.store import search as search_index

# How many blocks of postings a search reads besides its rarest term's.
MOST_EXTRA_BLOCKS = 100
# Candidates of the words' 3-grams from which a short word's directory is worth reading too
# (a few items) to intersect its postings with theirs.
SHORT_LOOKUP_FROM = 25
# An entry read by key (BatchGetItem) is billed a 4 KB read; read in a Query, "updated" entries
# of ~400 bytes take about a tenth of that each. So from about a tenth of the contacts on, the
# candidates cost more to read one by one than the whole "updated" stream does.
BY_KEY = 10
# Candidates from which that comparison is worth the counters it reads.
BROAD_FROM = 200
# Short words whose directories one search reads at most (each is a Query): two characters
# before one, as they are the rarer; the others are checked on the candidates.
MOST_SHORT_LOOKUPS = 4


class Term(NamedTuple):
    count: int          # contacts it holds at most
    cost: int           # items (and Queries) its postings take to read
    grams: tuple        # the GramStats of the 3-grams (or short runs) whose postings it unites


def candidates(words: list, streamed: bool = False):
    """The "updated" entries of the contacts in every chosen term's postings, in name order.
    None when no word can be looked up, when reading a short word's postings would cost more
    than reading every contact (a word as common as one letter), or, when the list would read the
    "updated" stream anyway (`streamed`), when reading the candidates by key would cost more
    read units than that stream: the list then reads its streams."""
    whole = functools.cache(stored)     # one read of the bucket counters, if any
    terms = [Term(stats.count, stats.blocks, (stats,)) for stats in search_index.gram_counts(words)]
    short = sorted((w for w in words if search_index.short(w)), key=lambda w: (-len(w), w))[:MOST_SHORT_LOOKUPS]
    if short and (not terms or terms[0].count > SHORT_LOOKUP_FROM):
        terms = sorted(terms + _short_word_terms(short, min([whole()] + [term.count for term in terms[:1]])))
    if not terms:
        return None
    rarest, chosen, extra = terms[0], [terms[0]], 0
    for term in terms[1:]:
        if extra + term.cost >= min(rarest.count, MOST_EXTRA_BLOCKS + 1):
            break
        chosen.append(term)
        extra += term.cost
    if streamed and rarest.count >= BROAD_FROM and \
            BY_KEY * rarest.count + sum(term.cost for term in chosen) >= whole():
        return None
    # Blocks, never counts, decide what is read: slots are only ever taken, so a 3-gram
    # without blocks has no postings, while a count a retried batch made drift does not hide any.
    held = search_index.holders({stats for term in chosen for stats in term.grams if stats.blocks})
    ids = set.intersection(*(set().union(*(held.get(s.gram, set()) for s in term.grams)) for term in chosen))
    return sorted(store.entries_by_id(ids).values(), key=store.entry_name_order)


def _short_word_terms(short: list, budget: int) -> list:
    """The terms of the words too short for a 3-gram, leaving out those whose postings cost
    `budget` items or more to read (every contact, or the candidates the 3-grams already give).
    Words listed under fewer 3-grams come first; the counts of a further word are read only
    while its Queries alone cost less than what the rarest term so far may still rule out."""
    listed = search_index.listed_under(short)
    terms = []
    # A word whose directory is overfull cannot be looked up: it is checked on the candidates.
    for word in sorted((w for w in short if listed[w] is not None), key=lambda w: (len(listed[w]), w)):
        limit = min([budget] + [min(term.count, MOST_EXTRA_BLOCKS + 1) for term in terms[:1]])
        if store.QUERY_COST * len(listed[word]) >= limit:
            break
        held = [stats for stats in search_index.counts_of(listed[word]) if stats.blocks]
        cost = sum(s.blocks for s in held) + store.QUERY_COST * len(held)
        if cost < budget:
            terms = sorted(terms + [Term(sum(s.count for s in held), cost, tuple(held))])
    return terms


def stored() -> int:
    """How many contacts there are: what reading every one costs, in entries."""
    return sum(store.bucket_counts().values())
