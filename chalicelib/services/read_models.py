"""Read models: everything the documents of a page of records name, read at once before any
document is built, so the views in chalicelib/api are pure functions of what is here (a test
renders under the cost meter and counts no call).

Each reads with as few calls as it can: users, contacts and categories with one BatchGetItem
each, custom field definitions and deal statuses once.
"""
from chalicelib.store import contacts as contact_store
from chalicelib.store.directory import DealCategoryRecord
from chalicelib.store.operations import fetch_many

from . import custom_fields as field_rules
from . import deal_statuses
from . import policy
from . import users
from .policy import Caller


def _caller_ready(caller: Caller) -> None:
    """The projects (views name them) read now, not while rendering (cached on the caller)."""
    caller.projects  # noqa: B018


class Names:
    """The users some records name (authors, assignees)."""

    def __init__(self, user_ids=()):
        self.users = users.by_ids({int(u) for u in user_ids if u})

    def user(self, user_id):
        return self.users.get(int(user_id)) if user_id else None


class DealPage(Names):
    """What a page of deals names: statuses, categories, the names of the contacts the caller
    sees, users, fields, and the notes of a deal shown with them."""

    def __init__(self, caller: Caller, deals, notes=()):
        deals, self.notes = list(deals), list(notes)
        super().__init__([u for d in deals for u in (d.author_id, d.assigned_to_id)] +
                         [n.author_id for n in self.notes])
        _caller_ready(caller)
        self.caller = caller
        self.statuses = {int(s.id): s for s in deal_statuses.statuses()}
        self.categories = fetch_many(DealCategoryRecord, {int(d.category_id) for d in deals if d.category_id})
        contact_ids = {int(c) for d in deals for c in [d.contact_id, *(d.related_contact_ids or [])] if c}
        # Only contacts the caller sees are named: a deal never reveals a hidden one.
        self.contact_names = {contact_id: contact_store.display_name(c)
                              for contact_id, c in contact_store.get_many(contact_ids).items()
                              if policy.sees_contact(caller, c)}
        self.definitions = field_rules.defined("deal")


class ContactPage(Names):
    """What a page of contacts (or one contact shown with includes) names."""

    def __init__(self, caller: Caller, contacts, notes=(), deals=(), tickets=(), company=None):
        contacts, notes = list(contacts), list(notes)
        super().__init__([u for c in contacts for u in (c.author_id, c.assigned_to_id)] +
                         [n.author_id for n in notes])
        _caller_ready(caller)
        self.caller = caller
        self.definitions = field_rules.defined("contact") if contacts else []
        self.notes, self.tickets = notes, list(tickets)
        self.deals = list(deals)
        # A contact's deals are shown as summaries: a project and a status each, nothing more.
        self.statuses = {int(s.id): s for s in deal_statuses.statuses()} if self.deals else {}
        self.people = company_people(caller, company) if company is not None else []


def company_people(caller: Caller, company) -> list:
    """(id, name) of the visible contacts whose company is this company's name, by name."""
    entries = [e for e in contact_store.read_stream(contact_store.company_stream(company.first_name))
               if int(e.contact_id) != int(company.id) and policy.sees_contact(caller, e)]
    entries.sort(key=lambda e: (contact_store.fold(e.name), int(e.contact_id)))
    return [(int(e.contact_id), e.name) for e in entries]


class TicketPage:
    """What tickets name: their contacts' names."""

    def __init__(self, caller: Caller, tickets, contact=None):
        _caller_ready(caller)
        self.caller = caller
        if contact is not None:
            self.names = {int(contact.id): contact_store.display_name(contact)}
        else:
            contacts = contact_store.get_many({int(t.contact_id) for t in tickets})
            self.names = {contact_id: contact_store.display_name(c) for contact_id, c in contacts.items()}


class MembershipPage(Names):
    """What memberships name: their users, the caller's projects and roles."""

    def __init__(self, caller: Caller, memberships):
        memberships = list(memberships)
        super().__init__(m.user_id for m in memberships)
        _caller_ready(caller)
        caller.roles  # noqa: B018  (memberships name their roles)
        self.caller = caller
