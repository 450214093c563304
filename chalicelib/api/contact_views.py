"""The contact document of SPEC section 4, built once as a tree for both encoders."""
from chalicelib.services import custom_fields as field_rules
from chalicelib.services.contacts import ADDRESS_FIELDS, country_name
from chalicelib.services import users
from chalicelib.services.users import full_name
from chalicelib.services import policy
from chalicelib.store import contacts as store
from chalicelib.web.document import Array, Joined, Obj, ref

from .deals import DealRendering, deal_summary
from .field_values import custom_field_view
from .notes import note_fields
from .tickets import ticket_summary


class Rendering:
    """What rendering a set of contacts needs, read once: custom field definitions and the
    authors and assignees (one BatchGetItem)."""

    def __init__(self, caller, contacts, users_of=()):
        self.caller = caller
        self.definitions = field_rules.defined("contact") if contacts else []
        user_ids = {int(u) for c in contacts for u in (c.author_id, c.assigned_to_id) if u}
        user_ids |= {int(n.author_id) for n in users_of if n.author_id}
        self.users = users.by_ids(user_ids)

    notes = ()
    tickets = ()
    deals = ()

    def user_ref(self, user_id):
        user = self.users.get(int(user_id)) if user_id else None
        return ref(int(user.id), full_name(user)) if user else None

    def projects(self, contact) -> Array:
        shown = [self.caller.project(p) for p in contact.project_ids]
        return Array("project", [ref(int(p.id), p.name) for p in shown
                                 if p is not None and policy.sees_project(self.caller, p)])


def address_view(address) -> Obj:
    address = address or {}
    code = address.get("country_code")
    country = country_name(code)
    parts = [address.get(k) for k in ("street1", "street2", "city", "postcode", "region")] + [country]
    full = ", ".join(p for p in parts if p and str(p).strip()) or None
    fields = [("full_address", full), ("street", address.get("street1")), ("city", address.get("city")),
              ("region", address.get("region")), ("country", country)]
    if any(address.get(k) for k in ADDRESS_FIELDS):
        fields.append(("country_code", code))
    fields.append(("postcode", address.get("postcode")))
    return Obj(fields)


def contact_view(contact, rendering: Rendering, include_projects=False, show=False, includes=()) -> Obj:
    fields = [("id", int(contact.id))]
    if contact.avatar_id:
        fields.append(("avatar", Obj([("attachment_id", int(contact.avatar_id))], attrs=("attachment_id",))))
    fields += [("is_company", bool(contact.is_company)), ("first_name", contact.first_name),
               ("last_name", contact.last_name), ("middle_name", contact.middle_name),
               ("company", contact.company), ("website", contact.website),
               ("skype_name", contact.skype_name), ("birthday", contact.birthday),
               ("job_title", contact.job_title), ("background", contact.background)]
    for key, user_id in (("author", contact.author_id), ("assigned_to", contact.assigned_to_id)):
        user = rendering.user_ref(user_id)
        if user is not None:
            fields.append((key, user))
    fields.append(("address", address_view(contact.address)))
    if contact.phones:
        fields.append(("phones", Array("phone", [Obj([("number", p)]) for p in contact.phones])))
    if contact.emails:
        fields.append(("emails", Array("email", [Obj([("address", e)]) for e in contact.emails])))
    fields += [("tag_list", Joined(contact.tags or [])), ("visibility", int(contact.visibility))]
    if include_projects and not show:
        fields.append(("projects", rendering.projects(contact)))
    if rendering.definitions:
        values = contact.custom_values or {}
        fields.append(("custom_fields", Array("custom_field", [custom_field_view(d, values)
                                                               for d in rendering.definitions])))
    fields += [("created_on", contact.created_on), ("updated_on", contact.updated_on)]
    if show:
        fields.append(("projects", rendering.projects(contact)))
        if "notes" in includes and rendering.notes:
            fields.append(("notes", Array("note", [Obj([("id", int(n.id))] + note_fields(n, rendering))
                                                   for n in rendering.notes])))
        if "contacts" in includes and contact.is_company:
            people = company_people(rendering.caller, contact)
            if people:
                fields.append(("contacts", Array("contact", people)))
        if "deals" in includes and rendering.deals:
            deal_names = DealRendering(rendering.caller, rendering.deals)
            fields.append(("deals", Array("deal", [deal_summary(d, deal_names) for d in rendering.deals])))
        for key in ("tickets", "issues"):   # python-redmine reads them as issues
            if key in includes and rendering.tickets:
                fields.append((key, Array(key[:-1], [ticket_summary(t) for t in rendering.tickets])))
    return Obj(fields)


def company_people(caller, company) -> list:
    """The visible contacts whose company is this company's name, by name."""
    entries = [e for e in store.read_stream(store.company_stream(company.first_name))
               if int(e.contact_id) != int(company.id) and policy.sees_contact(caller, e)]
    entries.sort(key=lambda e: (store.fold(e.name), int(e.contact_id)))
    return [ref(int(e.contact_id), e.name) for e in entries]
