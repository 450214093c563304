"""Tickets in DynamoDB: under their contact, in their project's stream, with a pointer for
lookups by id. A ticket and its pointer are written together."""
from pynamodb.transactions import TransactWrite

from .crm import TicketPointer, TicketRecord
from .operations import connection


def of_contact(contact_pk: str) -> list:
    return list(TicketRecord.query(contact_pk, TicketRecord.sk.startswith("ticket#"), consistent_read=True))


def of_projects(project_ids) -> list:
    """Tickets of the projects, newest first (one Query per project stream)."""
    found = []
    for project_id in project_ids:
        found.extend(TicketRecord.streams.query(TicketRecord.project_stream(project_id)))
    return sorted(found, key=lambda t: -int(t.id))


def get(ticket_id):
    try:
        pointer = TicketPointer.get(*TicketPointer.key(ticket_id), consistent_read=True)
        return TicketRecord.get(pointer.contact_pk, TicketRecord.sort_key(ticket_id), consistent_read=True)
    except (TicketPointer.DoesNotExist, TicketRecord.DoesNotExist):
        return None


def save(ticket, new: bool = False) -> None:
    with TransactWrite(connection=connection()) as tx:
        tx.save(ticket)
        if new:
            tx.save(TicketPointer(*TicketPointer.key(ticket.id), contact_pk=ticket.pk),
                    condition=TicketPointer.pk.does_not_exist())


def remove(ticket) -> None:
    with TransactWrite(connection=connection()) as tx:
        tx.delete(ticket)
        tx.delete(TicketPointer(*TicketPointer.key(ticket.id)))


def remove_all(contact_pk: str) -> None:
    tickets = of_contact(contact_pk)
    with TicketRecord.batch_write() as batch:
        for ticket in tickets:
            batch.delete(ticket)
            batch.delete(TicketPointer(*TicketPointer.key(ticket.id)))
