"""Notes on contacts and deals (SPEC section 6): visible when their source is; adding one
needs add_notes (in one of the source's projects) and, on a contact, touches its updated_on
(with its index entries) in the same transaction; editing or deleting needs delete_notes, or
delete_own_notes on one's own note."""
from dataclasses import dataclass

from chalicelib.store import contacts as contact_store
from chalicelib.store import deals as deal_store
from chalicelib.store.attached import OwnerGone, notes as store
from chalicelib.store.crm import NoteRecord
from chalicelib.store.operations import next_id, now

from . import contacts as contact_rules
from . import deals as deal_rules
from . import validation as v
from .errors import Forbidden, NotFound
from . import policy
from .policy import Caller
from .writes import versioned

SOURCE_TYPES = ("Contact", "Deal")
TYPES = (0, 1, 2)           # email, call, meeting; None is a plain note
CONTENT_MAX, SUBJECT_MAX = 65536, 255


@dataclass
class Source:
    """What a note hangs on: a contact or a deal, found for a caller that sees it."""
    kind: str
    record: object

    @property
    def name(self) -> str:
        return contact_store.display_name(self.record) if self.kind == "Contact" else self.record.name

    @property
    def project_ids(self) -> list:
        return list(self.record.project_ids) if self.kind == "Contact" else [self.record.project_id]


def _find_source(caller: Caller, kind: str, source_id) -> Source:
    if kind == "Deal":
        return Source(kind, deal_rules.find(caller, source_id))
    return Source("Contact", contact_rules.find(caller, source_id))


def _source(caller: Caller, source_type, source_id) -> Source:
    messages = v.Messages()
    if source_type not in (None, "") and source_type not in SOURCE_TYPES:
        messages.not_included("Source type")
    number = v.integer(source_id, "Source", messages)
    if number is None and not messages:
        messages.blank("Source")
    messages.raise_any()
    return _find_source(caller, source_type or "Contact", number)


def _may_change(caller: Caller, note, source: Source) -> bool:
    return policy.may_change_note(caller, note, source.project_ids)


def _stamp(value, messages: v.Messages):
    if value in (None, ""):
        return None
    try:
        return v.utc_stamp(value)
    except ValueError:
        messages.add("Created on is not a valid date")
        return None


FIELDS = (
    v.Field("content", "Content", kind="long_text", required=True, max_length=CONTENT_MAX, on_create=True,
            empty_is_none=False),
    v.Field("subject", "Subject", max_length=SUBJECT_MAX),
    v.Field("type_id", "Type", kind="choice", choices=TYPES),
)


def _attributes(data: dict, creating: bool) -> dict:
    messages = v.Messages()
    values = v.read_fields(data, FIELDS, messages, creating)
    if "created_on" in data:
        stamp = _stamp(data.get("created_on"), messages)
        if stamp:
            values["created_on"] = stamp
    messages.raise_any()
    return values


def find(caller: Caller, note_id) -> tuple:
    """A note whose source the caller sees, with that Source."""
    note = store.get(note_id) if v.is_id(note_id) else None
    if note is None:
        raise NotFound()
    exists = deal_store.get if note.source_type == "Deal" else contact_store.get
    if exists(note.source_id) is None:
        raise NotFound()
    return note, _find_source(caller, note.source_type, note.source_id)


def of_source(record) -> list:
    """The notes of a contact or a deal, oldest first (the caller already sees it)."""
    return sorted(store.under(record.pk), key=lambda n: (n.created_on, int(n.id)))


def create(caller: Caller, data: dict, source_type=None, source_id=None) -> tuple:
    """Returns (note, Source)."""
    source = _source(caller, source_type, source_id)
    policy.require_note_create(caller, source.project_ids)
    values = _attributes(data, creating=True)
    stamp = now()
    note_id = next_id("note")
    note = NoteRecord(source.record.pk, NoteRecord.sort_key(note_id), id=note_id, source_type=source.kind,
                      source_id=int(source.record.id), author_id=caller.id,
                      created_on=values.pop("created_on", stamp), updated_on=stamp, **values)
    if source.kind == "Deal":
        try:
            store.save_new(note, source.record)
        except OwnerGone:
            raise NotFound() from None
        return note, source
    def write(contact, previous):
        contact.updated_on = stamp
        contact_store.save(contact, previous, extra=store.puts(note))
        return note, Source("Contact", contact)

    return versioned(source.record, write, lambda: contact_rules.find(caller, source.record.id))


def update(caller: Caller, note_id, data: dict) -> None:
    note, source = find(caller, note_id)
    if not _may_change(caller, note, source):
        raise Forbidden()
    for key, value in _attributes(data, creating=False).items():
        setattr(note, key, value)
    note.updated_on = now()
    store.save(note)


def delete(caller: Caller, note_id) -> None:
    note, source = find(caller, note_id)
    if not _may_change(caller, note, source):
        raise Forbidden()
    store.remove(note)

