"""Items stored under a contact (notes, tickets): sort key "<kind>#<padded id>" in the
contact's partition, plus a Pointer item so they are found by id alone. An item and its
pointer are always written and deleted together."""
from pynamodb.transactions import TransactWrite

from .crm import NoteRecord, Pointer, TicketRecord
from .operations import connection


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

    def save_new(self, item) -> None:
        with TransactWrite(connection=connection()) as tx:
            tx.save(item, condition=self.model.pk.does_not_exist())
            tx.save(self.pointer(item), condition=Pointer.pk.does_not_exist())

    def remove(self, item) -> None:
        with TransactWrite(connection=connection()) as tx:
            tx.delete(item)
            tx.delete(self.pointer(item))

    def remove_all(self, home_pk: str) -> None:
        """Everything of this kind under `home_pk`, with BatchWriteItem (once its owner is gone)."""
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
