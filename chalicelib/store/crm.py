"""The crm table: contacts with their index entries, stream counters and tags.

A contact is one item (pk "contact#<id>", sk "contact"). Beside it, under the same pk, one
small index entry per list it belongs to (sk "entry#<stream>"): "all", its bucket, its tags,
assignee and company, "updated", and the "own" streams of a private contact's author and
assignee. The stream name is the hash key of the `streams` GSI, whose range key `order` sorts
the stream: by normalized last name, first name and id, or, in the "updated" stream, by
updated_on and id. Each entry carries the summary that lists filter, sort and decide
visibility on (the "updated" entry also what changes often), so full contacts are read only
for the page being returned.
"""
import hashlib

from pynamodb.attributes import (BooleanAttribute, DiscriminatorAttribute, JSONAttribute,
                                 ListAttribute, NumberAttribute, NumberSetAttribute, UnicodeAttribute,
                                 UnicodeSetAttribute)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib import config

from . import meter
from .settings import SharedConnection, TableSettings


KEY_PART_BYTES = 200


def bounded_key(text: str) -> str:
    """Text used inside a key, at most KEY_PART_BYTES of UTF-8 (DynamoDB keys hold 1-2 KB, and
    NFKC or case folding can multiply a name's length): a longer text keeps its start and a
    digest of the whole, so two long names never share a key."""
    raw = text.encode("utf-8")
    if len(raw) <= KEY_PART_BYTES:
        return text
    return raw[:KEY_PART_BYTES - 17].decode("utf-8", "ignore") + "#" + hashlib.sha256(raw).hexdigest()[:16]


def newest_first(item_id) -> str:
    """The order of an item in a stream listed newest first (deals, tickets): ids descending."""
    return f"{10 ** 12 - int(item_id):012d}"


# Items carrying this number (epoch seconds) are deleted by DynamoDB's TTL after that time.
EXPIRY_ATTRIBUTE = "expires"


class CrmItem(SharedConnection, Model):
    class Meta(TableSettings):
        table_name = config.CRM_TABLE
        # The keys of every changed item, for the consumer that keeps the search index.
        stream_view_type = "KEYS_ONLY"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute(attr_name="kind")


class ContactRecord(CrmItem, discriminator="contact"):
    id = NumberAttribute()
    version = NumberAttribute(default=1)
    is_company = BooleanAttribute(default=False)
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute(null=True)
    middle_name = UnicodeAttribute(null=True)
    company = UnicodeAttribute(null=True)
    website = UnicodeAttribute(null=True)
    skype_name = UnicodeAttribute(null=True)
    birthday = UnicodeAttribute(null=True)
    job_title = UnicodeAttribute(null=True)
    background = UnicodeAttribute(null=True)
    author_id = NumberAttribute(null=True)
    assigned_to_id = NumberAttribute(null=True)
    address = JSONAttribute(null=True)            # {street1, street2, city, region, postcode, country_code}
    phones = ListAttribute(of=UnicodeAttribute, default=list)
    emails = ListAttribute(of=UnicodeAttribute, default=list)
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    visibility = NumberAttribute(default=0)
    project_ids = ListAttribute(of=NumberAttribute, default=list)
    custom_values = JSONAttribute(null=True)      # {"<field id>": "value" | ["a", "b"]}
    avatar_id = NumberAttribute(null=True)
    created_on = UnicodeAttribute()
    updated_on = UnicodeAttribute()

    @staticmethod
    def key(contact_id: int):
        return f"contact#{int(contact_id)}", "contact"


class StreamIndex(GlobalSecondaryIndex):
    """The one GSI of the table: stream name and order. Contact entries, deal entries and
    tickets each carry it (every model gets its own instance)."""
    class Meta:
        index_name = "streams"
        projection = AllProjection()

    stream = UnicodeAttribute(hash_key=True)
    order = UnicodeAttribute(range_key=True)


class ContactIndexEntry(CrmItem, discriminator="entry"):
    """One contact in one stream, with the summary lists work on."""
    stream = UnicodeAttribute()
    order = UnicodeAttribute()
    streams = StreamIndex()
    contact_id = NumberAttribute()
    name = UnicodeAttribute()                     # "First Last", a company's first name
    visibility = NumberAttribute(default=0)
    author_id = NumberAttribute(null=True)
    assigned_to_id = NumberAttribute(null=True)
    project_ids = ListAttribute(of=NumberAttribute, default=list)
    tags = ListAttribute(of=UnicodeAttribute, default=list)   # as spelled on the contact (filters fold them)
    is_company = BooleanAttribute(default=False)
    first_name = UnicodeAttribute(null=True)      # case-folded sort fields
    last_name = UnicodeAttribute(null=True)
    created_on = UnicodeAttribute()
    # Only on the entry in the "updated" stream (see contacts.entries_of):
    company = UnicodeAttribute(null=True)
    job_title = UnicodeAttribute(null=True)
    search = UnicodeAttribute(null=True)          # case-folded text that `search` matches
    updated_on = UnicodeAttribute(null=True)

    @staticmethod
    def sort_key(stream: str) -> str:
        return f"entry#{stream}"


class StreamCounter(CrmItem, discriminator="counter"):
    """A shard of a stream's contact count (pk "counter#<stream>", sk the shard number)."""
    count = NumberAttribute(default=0)

    SHARDS = 4

    @staticmethod
    def partition(stream: str) -> str:
        return f"counter#{stream}"


class BucketCounter(CrmItem, discriminator="bucket_counter"):
    """A shard of how many contacts one bucket holds (sk "count#<bucket>#<shard>"), or how many
    of them carry one tag spelling (sk "tag#<bucket>#<tag>#<shard>"). A bucket is a visibility
    class with the exact set of projects a contact is in: every contact is in exactly one, so
    what any caller may see is a sum over buckets. All shards share the partition "buckets",
    read with one Query."""
    bucket = UnicodeAttribute()
    tag = UnicodeAttribute(null=True)
    count = NumberAttribute(default=0)

    PARTITION = "buckets"
    SHARDS = 4

    @classmethod
    def count_key(cls, bucket: str, shard: int):
        return cls.PARTITION, f"count#{bucket}#{shard}"

    @classmethod
    def tag_key(cls, bucket: str, tag: str, shard: int):
        return cls.PARTITION, f"tag#{bucket}#{bounded_key(tag)}#{shard}"


class SearchDocument(CrmItem, discriminator="search_doc"):
    """Where a contact is indexed (pk "search#<id>", sk "search"): the block of each of its
    n-grams that holds its id, so the index consumer knows what to take back when it changes,
    and while it changes, what it is adding and taking back, so that a retry finishes that."""
    placed = JSONAttribute(default=dict)        # n-gram -> block number
    pending = JSONAttribute(null=True)          # {"adding": [n-gram], "removing": {n-gram: block}}

    @staticmethod
    def key(contact_id: int):
        return f"search#{int(contact_id)}", "search"


class GramBlock(CrmItem, discriminator="gram_block"):
    """Up to BLOCK ids of contacts whose searchable text holds an n-gram (pk "gram#<gram>",
    sk "b#<block>"): each contact that gains the n-gram takes the next slot of its count, and
    slot // BLOCK is its block, so a block fills before the next opens and a search reads an
    n-gram's postings in about count / BLOCK items. Ids are a number set: added and taken back
    with UpdateItem ADD / DELETE, which do the same when done twice."""
    BLOCK = 128         # ids of up to 10 digits keep a full block under one 1 KB write unit
    ids = NumberSetAttribute(null=True)         # DynamoDB removes a set whose last id goes

    @staticmethod
    def key(gram: str, block: int):
        return f"gram#{gram}", f"b#{int(block):06d}"


class GramPosting(CrmItem, discriminator="posting"):
    """A posting of the earlier index layout, one item per contact and n-gram: read only by
    check-consistency (which reports them) and rebuild-indexes (which deletes them)."""
    contact_id = NumberAttribute()


class GramCount(CrmItem, discriminator="gram_count"):
    """How many contacts an n-gram's blocks hold, and how many slots were ever taken (pk
    "gram#<gram>", sk "#count", before every block): a search starts from the rarest n-gram
    of its words and reads blocks 0 .. slots // BLOCK of the n-grams it intersects."""
    count = NumberAttribute(default=0)
    slots = NumberAttribute(default=0)
    listed = BooleanAttribute(null=True)      # in the GramDirectory of each of its parts

    @staticmethod
    def key(gram: str):
        return f"gram#{gram}", "#count"

    @property
    def blocks(self) -> int:
        return -(-int(self.slots or 0) // GramBlock.BLOCK)


class GramDirectory(CrmItem, discriminator="gram_directory"):
    """The n-grams (and the tokens too short to have one) that a string of one or two
    characters is part of (pk "within#<part>", sk "d#<shard>"): a search word too short for an
    n-gram of its own reads the postings of exactly these. An n-gram is listed when it takes its
    first slot (GramCount.listed says it was), under a shard chosen by a hash of it, so that
    listing one rewrites a small item."""
    SHARDS = 8
    # The sort key of the marker saying one of the part's shards could not take a 3-gram (an item
    # holds 400 KB): searches for the part then read the streams, as for a word of one letter.
    OVERFULL = "overfull"
    # What a shard may hold, in bytes of its 3-grams, when the directory is written whole.
    MOST_BYTES = 300_000
    grams = UnicodeSetAttribute(null=True)

    @classmethod
    def key(cls, part: str, gram: str):
        shard = int.from_bytes(hashlib.blake2b(gram.encode("utf-8"), digest_size=4).digest(), "big") % cls.SHARDS
        return f"within#{part}", f"d#{shard:02d}"


class TagRecord(CrmItem, discriminator="tag"):
    """A tag: its id and first spelling. All tags share the partition "tags", sorted by their
    case-folded name, so the tag list is one Query and a name is one consistent GetItem."""
    id = NumberAttribute()
    name = UnicodeAttribute()
    created_on = UnicodeAttribute()

    PARTITION = "tags"

    @classmethod
    def key(cls, name: str):
        return cls.PARTITION, bounded_key(name.casefold())


class NoteRecord(CrmItem, discriminator="note"):
    """A note, stored under its source (pk "contact#<id>"), sk "note#<padded id>"."""
    id = NumberAttribute()
    source_type = UnicodeAttribute()
    source_id = NumberAttribute()
    subject = UnicodeAttribute(null=True)
    content = UnicodeAttribute()
    type_id = NumberAttribute(null=True)
    author_id = NumberAttribute(null=True)
    created_on = UnicodeAttribute()
    updated_on = UnicodeAttribute()

    @staticmethod
    def sort_key(note_id: int) -> str:
        return f"note#{int(note_id):012d}"


class Pointer(CrmItem, discriminator="pointer"):
    """Where an item stored under another one lives, for lookups by id (/notes/:id):
    pk "<kind>#<id>", sk "<kind>", home_pk the partition holding the item."""
    home_pk = UnicodeAttribute()

    @staticmethod
    def key(kind: str, item_id: int):
        return f"{kind}#{int(item_id)}", kind


class TicketRecord(CrmItem, discriminator="ticket"):
    """A support ticket, stored under its contact (sk "ticket#<padded id>"), listed through
    the stream "tickets#project#<id>" in id order."""
    id = NumberAttribute()
    stream = UnicodeAttribute()
    order = UnicodeAttribute()
    streams = StreamIndex()
    subject = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    status_id = NumberAttribute(default=1)
    due_date = UnicodeAttribute(null=True)
    contact_id = NumberAttribute()
    project_id = NumberAttribute()
    author_id = NumberAttribute(null=True)
    created_on = UnicodeAttribute()
    updated_on = UnicodeAttribute()
    # Its contact's visibility summary (see DealIndexEntry), so a list reads no contacts.
    contact_summary = JSONAttribute(null=True)

    @staticmethod
    def sort_key(ticket_id: int) -> str:
        return f"ticket#{int(ticket_id):012d}"

    @staticmethod
    def project_stream(project_id: int) -> str:
        return f"tickets#project#{int(project_id)}"


class DealRecord(CrmItem, discriminator="deal"):
    """A deal (pk "deal#<id>", sk "deal")."""
    id = NumberAttribute()
    version = NumberAttribute(default=1)
    name = UnicodeAttribute()
    project_id = NumberAttribute()
    contact_id = NumberAttribute(null=True)
    related_contact_ids = ListAttribute(of=NumberAttribute, default=list)
    price = UnicodeAttribute(null=True)          # a decimal, kept exact as text
    currency = UnicodeAttribute(null=True)
    price_type = UnicodeAttribute(null=True)
    probability = NumberAttribute(null=True)
    due_date = UnicodeAttribute(null=True)
    background = UnicodeAttribute(null=True)
    status_id = NumberAttribute(null=True)
    category_id = NumberAttribute(null=True)
    assigned_to_id = NumberAttribute(null=True)
    author_id = NumberAttribute(null=True)
    custom_values = JSONAttribute(null=True)
    created_on = UnicodeAttribute()
    updated_on = UnicodeAttribute()

    @staticmethod
    def key(deal_id: int):
        return f"deal#{int(deal_id)}", "deal"


class DealCounter(CrmItem, discriminator="deal_counter"):
    """A shard of how many deals of one project have their contact in one bucket ("none": no
    contact), as their entries' contact summaries say (sk "<bucket>#-#<shard>"); for a private
    contact also per user who sees it as its own, its author or assignee (sk
    "<bucket>#<user>#<shard>"). pk "deal_counts#<project>": one Query per project."""
    bucket = UnicodeAttribute()
    owner = NumberAttribute(null=True)
    count = NumberAttribute(default=0)

    SHARDS = 4
    PREFIX = "deal_counts"

    @classmethod
    def partition(cls, project_id) -> str:
        return f"{cls.PREFIX}#{int(project_id)}"

    @classmethod
    def key(cls, project_id, bucket: str, owner, shard: int):
        return cls.partition(project_id), f"{bucket}#{'-' if owner is None else int(owner)}#{shard}"


class TicketCounter(DealCounter, discriminator="ticket_counter"):
    """The same count for tickets, by the summary each ticket carries: pk "ticket_counts#<project>"."""
    PREFIX = "ticket_counts"


class DealIndexEntry(CrmItem, discriminator="deal_entry"):
    """A deal in one stream ("deals#project#<id>", "deals#contact#<id>"), newest first."""
    stream = UnicodeAttribute()
    order = UnicodeAttribute()
    streams = StreamIndex()
    deal_id = NumberAttribute()
    project_id = NumberAttribute()
    contact_id = NumberAttribute(null=True)
    contact_ids = ListAttribute(of=NumberAttribute, default=list)   # the contact, then related ones
    status_id = NumberAttribute(null=True)
    assigned_to_id = NumberAttribute(null=True)
    search = UnicodeAttribute(null=True)
    # What the visibility of the deal's contact is decided on ({visibility, project_ids,
    # author_id, assigned_to_id}), so a list needs no read of the contacts; null without one.
    contact_summary = JSONAttribute(null=True)


class Tombstone(CrmItem, discriminator="tombstone"):
    """A deleted contact, for clients that sync (pk "tombstone#<id>", sk "tombstone"): in the
    "deleted" stream ordered by deletion time, with the projects it was in. DynamoDB's TTL
    removes it after the retention period (`expires`)."""
    stream = UnicodeAttribute()
    order = UnicodeAttribute()
    streams = StreamIndex()
    contact_id = NumberAttribute()
    deleted_on = UnicodeAttribute()
    project_ids = ListAttribute(of=NumberAttribute, default=list)
    expires = NumberAttribute(attr_name=EXPIRY_ATTRIBUTE)

    STREAM = "deleted"

    @staticmethod
    def key(contact_id: int):
        return f"tombstone#{int(contact_id)}", "tombstone"


# Contact and deal entries (sk "entry#…"), tickets (sk "ticket#…") and tombstones are the items
# of the `streams` index: the meter charges their index writes.
meter.register_index(CrmItem.Meta.table_name, ("stream", "order"), "sk", ("entry#", "ticket#", "tombstone"))
