"""Items stored under a contact or a deal (notes, tickets): sort key "<kind>#<padded id>" in
the owner's partition, plus a Pointer item so they are found by id alone. An item and its
pointer are always written and deleted together.

A new item is written with its owner's version advanced, in one transaction conditioned on the
owner existing: an owner deleted meanwhile refuses the item (OwnerGone), and a delete that
listed the owner's items before the new one arrived fails its version condition and lists again.
"""
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from .crm import NoteRecord, Pointer, TicketRecord
from .operations import cancellation_codes, connection


class OwnerGone(Exception):
    """The contact or deal a new item hangs on no longer exists."""


class Attached:
    def __init__(self, model, kind: str):
        self.model, self.kind = model, kind

    def under(self, home_pk: str) -> list:
        return list(self.model.query(home_pk, self.model.sk.startswith(f"{self.kind}#"), consistent_read=True))

    def get(self, item_id):
        try:
            pointer = Pointer.get(*Pointer.key(self.kind, item_id), consistent_read=True)
            return self.model.get(pointer.home_pk, self.model.sort_key(item_id), consistent_read=True)
        except (Pointer.DoesNotExist, self.model.DoesNotExist):
            return None

    def pointer(self, item) -> Pointer:
        return Pointer(*Pointer.key(self.kind, item.id), home_pk=item.pk)

    def puts(self, item) -> list:
        """The item and its pointer as ("put", item) pairs, for a larger transaction."""
        return [("put", item), ("put", self.pointer(item))]

    def save(self, item) -> None:
        item.save()

    def deletes(self, item) -> list:
        """The item and its pointer as ("delete", item) pairs, for a larger transaction."""
        return [("delete", item), ("delete", self.pointer(item))]

    def save_new(self, item, owner) -> None:
        """Write a new item under `owner` (a record with `version`), advancing the owner's version."""
        owner_model = type(owner)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.update(owner, actions=[owner_model.version.add(1)], condition=owner_model.pk.exists())
                tx.save(item, condition=self.model.pk.does_not_exist())
                tx.save(self.pointer(item), condition=Pointer.pk.does_not_exist())
        except TransactWriteError as error:
            # Puts come before updates: the owner's condition is the last item.
            if cancellation_codes(error)[-1:] == ["ConditionalCheckFailed"]:
                raise OwnerGone() from None
            raise

    def remove(self, item) -> None:
        with TransactWrite(connection=connection()) as tx:
            tx.delete(item)
            tx.delete(self.pointer(item))

    def follow(self, home_pk: str, summary) -> int:
        """Items carrying their owner's visibility summary (tickets) take the new one."""
        changed = 0
        for item in self.under(home_pk):
            if item.contact_summary != summary:
                attribute = self.model.contact_summary
                item.update(actions=[attribute.set(summary) if summary else attribute.remove()])
                changed += 1
        return changed

    def remove_all(self, home_pk: str) -> None:
        """Everything of this kind under `home_pk`, with BatchWriteItem (before a delete of its
        owner too large for one transaction)."""
        items = self.under(home_pk)
        with self.model.batch_write() as batch:
            for item in items:
                batch.delete(item)
                batch.delete(self.pointer(item))


notes = Attached(NoteRecord, "note")
tickets = Attached(TicketRecord, "ticket")


def tickets_of_projects(project_ids) -> list:
    """Tickets of the projects, newest first (one Query per project's ticket stream)."""
    found = []
    for project_id in project_ids:
        found.extend(TicketRecord.streams.query(TicketRecord.project_stream(project_id)))
    return sorted(found, key=lambda t: -int(t.id))


def any_ticket_in_project(project_id) -> bool:
    """Whether the project has a ticket (one Query for at most one item)."""
    return any(True for _ in TicketRecord.streams.query(TicketRecord.project_stream(project_id), limit=1))


def deletes_under(home_pk: str, kinds=(notes, tickets)) -> list:
    """("delete", item) pairs for every item of these kinds under an owner and their pointers,
    for the owner's own delete transaction."""
    return [pair for kind in kinds for item in kind.under(home_pk) for pair in kind.deletes(item)]


def remove_under(home_pk: str, kinds=(notes, tickets)) -> None:
    """Delete them ahead of their owner, when they are too many for its transaction."""
    for kind in kinds:
        kind.remove_all(home_pk)
