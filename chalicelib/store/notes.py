"""Notes in DynamoDB: under their source, with a pointer item for lookups by id."""
from pynamodb.transactions import TransactWrite

from .crm import NotePointer, NoteRecord
from .operations import connection


def of_source(source_pk: str) -> list:
    return list(NoteRecord.query(source_pk, NoteRecord.sk.startswith("note#"), consistent_read=True))


def get(note_id):
    try:
        pointer = NotePointer.get(*NotePointer.key(note_id), consistent_read=True)
        return NoteRecord.get(pointer.source_pk, NoteRecord.sort_key(note_id), consistent_read=True)
    except (NotePointer.DoesNotExist, NoteRecord.DoesNotExist):
        return None


def items_of(note) -> list:
    """The note and its pointer, as ("put", item) pairs for a transaction."""
    pointer = NotePointer(*NotePointer.key(note.id), source_pk=note.pk)
    return [("put", note), ("put", pointer)]


def save(note) -> None:
    note.save()


def remove(note) -> None:
    with TransactWrite(connection=connection()) as tx:
        tx.delete(note)
        tx.delete(NotePointer(*NotePointer.key(note.id)))


def remove_all(source_pk: str) -> None:
    """Every note of a source, with BatchWriteItem (after the source itself is gone)."""
    notes = of_source(source_pk)
    with NoteRecord.batch_write() as batch:
        for note in notes:
            batch.delete(note)
            batch.delete(NotePointer(*NotePointer.key(note.id)))
