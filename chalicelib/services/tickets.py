"""Support tickets of contacts (SPEC section 6): visible when their contact is; opening,
changing and deleting one needs edit_contacts on the contact."""
from chalicelib.store import contacts as contact_store
from chalicelib.store.attached import OwnerGone, newest_tickets, ticket_counts, tickets as store, tickets_of_projects
from chalicelib.store.crm import TicketRecord, newest_first
from chalicelib.store.operations import next_id, now

from . import contacts as contact_rules
from . import counted_lists
from . import projects as project_rules
from . import validation as v
from .errors import Invalid, NotFound
from . import policy
from .policy import Caller

STATUSES = {1: "New", 2: "Open", 3: "Closed"}
SUBJECT_MAX, DESCRIPTION_MAX = 255, 65536


def find(caller: Caller, ticket_id):
    """A ticket whose contact the caller sees, with that contact."""
    ticket = store.get(ticket_id) if v.is_id(ticket_id) else None
    contact = contact_store.get(ticket.contact_id) if ticket else None
    if ticket is None or contact is None:
        raise NotFound()
    policy.require_contact(caller, contact)
    return ticket, contact


def of_contact(contact) -> list:
    return sorted(store.under(contact.pk), key=lambda t: int(t.id))


def listed(caller: Caller, params: dict, page) -> tuple:
    """(total_count, the page's tickets) of the tickets of the contacts the caller sees, newest
    first; contact_id and status_id filter. Unfiltered, the total comes from the ticket
    counters and the page from a lazy merge of the projects' streams; a contact's tickets are
    read under that contact; a status alone reads the projects' streams."""
    messages = v.Messages()
    contact_id = v.integer(params.get("contact_id"), "Parameter contact_id", messages)
    status_id = v.integer(params.get("status_id"), "Parameter status_id", messages)
    messages.raise_any()
    scope = policy.ticket_projects(caller)
    if contact_id is None and status_id is None:
        total, tickets = counted_lists.newest(caller, scope, page.offset + page.limit, newest_tickets, ticket_counts,
                                              lambda t: policy.sees_contact(caller, _summary(t)))
        return total, page_of(caller, tickets[page.offset:])
    if contact_id is not None:
        contact = contact_store.get(contact_id)
        tickets = sorted(store.under(contact.pk), key=lambda t: -int(t.id)) if contact is not None else []
    else:
        tickets = tickets_of_projects(scope)
    tickets = [t for t in tickets if (status_id is None or int(t.status_id) == status_id)
               and policy.sees_contact(caller, _summary(t))]
    return len(tickets), page_of(caller, tickets[page.offset:page.offset + page.limit])


def _summary(ticket):
    """What a ticket's visibility is decided on: the summary of its contact it carries (every
    ticket carries one since rebuild-indexes; one without is shown to nobody until then)."""
    return contact_store.summary_view(ticket) or _GONE


class _Gone:
    """A contact that no longer exists: nobody sees its tickets (they go with it)."""
    visibility, project_ids, author_id, assigned_to_id = 2, (), None, None


_GONE = _Gone()


def page_of(caller: Caller, shown) -> list:
    """The page's tickets, each checked once more on its contact as stored: a summary may lag
    a change of the contact by a moment, and then the page is a ticket short, never a ticket
    too many; lagging summaries are brought up to date."""
    contacts = contact_store.get_many({int(t.contact_id) for t in shown})
    kept = []
    for ticket in shown:
        contact = contacts.get(int(ticket.contact_id))
        if contact is not None and ticket.contact_summary != contact_store.visibility_summary(contact):
            store.follow(ticket.pk, contact_store.visibility_summary(contact))
        if contact is not None and policy.sees_contact(caller, contact):
            kept.append(ticket)
    return kept


FIELDS = (
    v.Field("subject", "Subject", required=True, max_length=SUBJECT_MAX, on_create=True, empty_is_none=False),
    v.Field("description", "Description", kind="long_text", max_length=DESCRIPTION_MAX),
    v.Field("status_id", "Status", kind="choice", choices=tuple(STATUSES), required=True),
    v.Field("due_date", "Due date", kind="date"),
)


def _attributes(data: dict, creating: bool) -> dict:
    messages = v.Messages()
    values = v.read_fields(data, FIELDS, messages, creating)
    messages.raise_any()
    return values


def create(caller: Caller, data: dict) -> tuple:
    """Returns (ticket, its contact)."""
    messages = v.Messages()
    contact_id = v.integer(data.get("contact_id"), "Contact", messages)
    if contact_id is None and not messages:
        messages.blank("Contact")
    messages.raise_any()
    contact = contact_rules.find(caller, contact_id, "edit_contacts")
    values = _attributes(data, creating=True)
    project_id = next((int(p) for p in contact.project_ids if policy.sees_project(caller, caller.project(p))),
                      int(contact.project_ids[0]))
    if data.get("project_id") not in (None, ""):
        project = project_rules.resolve(caller, data.get("project_id"))
        if project is None or not policy.sees_project(caller, project) \
                or int(project.id) not in [int(p) for p in contact.project_ids]:
            raise Invalid(["Project is not included in the list"])
        project_id = int(project.id)
        policy.require_ticket_write(caller, contact, project_id)
    ticket_id = next_id("ticket")
    stamp = now()
    ticket = TicketRecord(contact.pk, TicketRecord.sort_key(ticket_id), id=ticket_id,
                          stream=TicketRecord.project_stream(project_id), order=newest_first(ticket_id),
                          contact_id=int(contact.id), project_id=project_id, author_id=caller.id,
                          created_on=stamp, updated_on=stamp, contact_summary=contact_store.visibility_summary(contact),
                          **values)
    try:
        store.save_new(ticket, contact)
    except OwnerGone:
        raise NotFound() from None
    return ticket, contact


def update(caller: Caller, ticket_id, data: dict) -> None:
    ticket, contact = find(caller, ticket_id)
    policy.require_ticket_write(caller, contact)
    values = _attributes(data, creating=False)
    for key, value in values.items():
        setattr(ticket, key, value)
    ticket.updated_on = now()
    try:
        store.change(ticket, [*values, "updated_on"])
    except OwnerGone:
        raise NotFound() from None


def delete(caller: Caller, ticket_id) -> None:
    ticket, contact = find(caller, ticket_id)
    policy.require_ticket_write(caller, contact)
    store.remove(ticket)
