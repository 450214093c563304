"""Items stored under a contact or a deal (notes, tickets): sort key "<kind>#<padded id>" in
the owner's partition, plus a Pointer item so they are found by id alone. An item and its
pointer are always written and deleted together.

A new item is written with its owner's version advanced, in one transaction conditioned on the
owner existing: an owner deleted meanwhile refuses the item (OwnerGone), and a delete that
listed the owner's items before the new one arrived fails its version condition and lists again.
"""
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from . import project_counters as counters
from .crm import NoteRecord, Pointer, TicketCounter, TicketRecord
from .operations import cancellation_codes, connection
from .versions import apply


class OwnerGone(Exception):
    """The contact or deal a new item hangs on no longer exists."""


class Attached:
    COUNTED = False

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
        """The item and its pointer as ("delete", item) pairs, and what counts it, for a larger
        transaction."""
        return self.deletes_all([item])

    def deletes_all(self, items) -> list:
        """The items and their pointers as ("delete", item) pairs, and what counts them, for a
        larger transaction (each counter named once: a transaction names an item once)."""
        return [pair for item in items for pair in (("delete", item), ("delete", self.pointer(item)))] + \
            self.recount(_summed((mark, -1) for item in items for mark in self.marks(item)))

    def marks(self, item) -> set:
        """The counters the item is counted in (none: this kind is not counted)."""
        return set()

    def recount(self, deltas: dict) -> list:
        """("update", (counter shard, actions)) pairs adding each mark's delta (none for 0)."""
        return []

    def save_new(self, item, owner) -> None:
        """Write a new item under `owner` (a record with `version`), advancing the owner's version."""
        owner_model = type(owner)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.update(owner, actions=[owner_model.version.add(1)], condition=owner_model.pk.exists())
                tx.save(item, condition=self.model.pk.does_not_exist())
                tx.save(self.pointer(item), condition=Pointer.pk.does_not_exist())
                apply(tx, self.recount({mark: 1 for mark in self.marks(item)}))
        except TransactWriteError as error:
            # Puts come before updates, and the owner's is the first update.
            if cancellation_codes(error)[2:3] == ["ConditionalCheckFailed"]:
                raise OwnerGone() from None
            raise

    def change(self, item, attributes) -> None:
        """Set the item's own fields (what it hangs on and the summary it carries stay), if it
        still exists: a delete meanwhile is not undone (OwnerGone)."""
        try:
            item.update(actions=[getattr(self.model, name).set(getattr(item, name)) if getattr(item, name) is not None
                                 else getattr(self.model, name).remove() for name in attributes],
                        condition=self.model.pk.exists())
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise OwnerGone() from None
            raise

    def remove(self, item) -> None:
        with TransactWrite(connection=connection()) as tx:
            apply(tx, self.deletes(item))

    def remove_all(self, home_pk: str) -> None:
        """Everything of this kind under `home_pk`, with BatchWriteItem (before a delete of its
        owner too large for one transaction); a counted kind one transaction per item."""
        items = self.under(home_pk)
        if self.COUNTED:
            for item in items:
                self.remove(item)
            return
        with self.model.batch_write() as batch:
            for item in items:
                batch.delete(item)
                batch.delete(self.pointer(item))


class Tickets(Attached):
    """Tickets carry their contact's visibility summary and are counted by it, per project
    (TicketCounter): a ticket list's total is a sum of counters and its page a lazy merge."""
    COUNTED = True

    def marks(self, item) -> set:
        return counters.marks(item.project_id, item.contact_summary)

    def recount(self, deltas: dict) -> list:
        return [("update", counters.shard_update(TicketCounter, mark, delta))
                for mark, delta in sorted(deltas.items(), key=str) if delta]

    def follow(self, home_pk: str, summary) -> int:
        """The tickets under a contact take its new summary, each with its counters moved in
        one transaction conditioned on the summary it had: a ticket deleted or followed by
        another request meanwhile is left as that one wrote it."""
        changed = 0
        for item in self.under(home_pk):
            if item.contact_summary == summary:
                continue
            had = item.contact_summary
            attribute = self.model.contact_summary
            before = self.marks(item)
            item.contact_summary = summary
            moved = self.recount(_summed([(m, -1) for m in before] + [(m, 1) for m in self.marks(item)]))
            try:
                with TransactWrite(connection=connection()) as tx:
                    tx.update(item, actions=[attribute.set(summary) if summary else attribute.remove()],
                              condition=(attribute == had) if had else
                              (self.model.pk.exists() & attribute.does_not_exist()))
                    apply(tx, moved)
                changed += 1
            except TransactWriteError as error:
                if "ConditionalCheckFailed" not in cancellation_codes(error):
                    raise
        return changed


notes = Attached(NoteRecord, "note")
tickets = Tickets(TicketRecord, "ticket")


def seed_tickets(items) -> None:
    """Write many new tickets (carrying their contacts' summaries) with their pointers and
    counters at once (benchmarks and cost tests)."""
    totals = {}
    with TicketRecord.batch_write() as batch:
        for item in items:
            batch.save(item)
            batch.save(tickets.pointer(item))
            for mark in tickets.marks(item):
                totals[mark] = totals.get(mark, 0) + 1
        for mark, total in totals.items():
            batch.save(counters.counter_item(TicketCounter, mark, total))


def tickets_of_projects(project_ids) -> list:
    """Every ticket of the projects, newest first (one Query per project's ticket stream)."""
    found = []
    for project_id in project_ids:
        found.extend(TicketRecord.streams.query(TicketRecord.project_stream(project_id)))
    return sorted(found, key=lambda t: -int(t.id))


def newest_tickets(projects, wanted: int, counts=None, keep=None, seen=None) -> tuple:
    """(total, the first `wanted` tickets, newest first) of the projects (project_counters.newest_page)."""
    return counters.newest_page(TicketCounter, TicketRecord, TicketRecord.project_stream, projects, wanted,
                                counts, keep, seen)


def ticket_counts(projects) -> dict:
    return counters.project_counts(TicketCounter, projects)


def any_ticket_in_project(project_id) -> bool:
    """Whether the project has a ticket (one Query for at most one item)."""
    return any(True for _ in TicketRecord.streams.query(TicketRecord.project_stream(project_id), limit=1))


def deletes_under(home_pk: str, kinds=(notes, tickets)) -> list:
    """("delete", item) pairs for every item of these kinds under an owner and their pointers,
    and the counters they leave, for the owner's own delete transaction."""
    return [pair for kind in kinds for pair in kind.deletes_all(kind.under(home_pk))]


def _summed(deltas) -> dict:
    total = {}
    for mark, delta in deltas:
        total[mark] = total.get(mark, 0) + delta
    return total


def remove_under(home_pk: str, kinds=(notes, tickets)) -> None:
    """Delete them ahead of their owner, when they are too many for its transaction."""
    for kind in kinds:
        kind.remove_all(home_pk)
