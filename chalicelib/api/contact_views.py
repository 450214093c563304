"""The contact document of SPEC section 4, built once as a tree for both encoders."""
from chalicelib.services.contacts import ADDRESS_FIELDS, country_name
from chalicelib.services import policy
from chalicelib.web.document import Array, Joined, Obj, ref

from .deals import deal_summary
from .field_values import custom_field_view, user_ref
from .notes import note_fields
from .tickets import ticket_summary


def projects_view(page, contact) -> Array:
    """The contact's projects the caller sees."""
    shown = [page.caller.project(p) for p in contact.project_ids]
    return Array("project", [ref(int(p.id), p.name) for p in shown
                             if p is not None and policy.sees_project(page.caller, p)])


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


def _head(contact, page) -> list:
    """The fields every contact document starts with, up to its visibility."""
    fields = [("id", int(contact.id))]
    if contact.avatar_id:
        fields.append(("avatar", Obj([("attachment_id", int(contact.avatar_id))], attrs=("attachment_id",))))
    fields += [("is_company", bool(contact.is_company)), ("first_name", contact.first_name),
               ("last_name", contact.last_name), ("middle_name", contact.middle_name),
               ("company", contact.company), ("website", contact.website),
               ("skype_name", contact.skype_name), ("birthday", contact.birthday),
               ("job_title", contact.job_title), ("background", contact.background)]
    for key, user_id in (("author", contact.author_id), ("assigned_to", contact.assigned_to_id)):
        user = user_ref(page, user_id)
        if user is not None:
            fields.append((key, user))
    fields.append(("address", address_view(contact.address)))
    if contact.phones:
        fields.append(("phones", Array("phone", [Obj([("number", p)]) for p in contact.phones])))
    if contact.emails:
        fields.append(("emails", Array("email", [Obj([("address", e)]) for e in contact.emails])))
    return fields + [("tag_list", Joined(contact.tags or [])), ("visibility", int(contact.visibility))]


def _tail(contact, page) -> list:
    """Custom fields and timestamps."""
    fields = []
    if page.definitions:
        values = contact.custom_values or {}
        fields.append(("custom_fields", Array("custom_field", [custom_field_view(d, values)
                                                               for d in page.definitions])))
    return fields + [("created_on", contact.created_on), ("updated_on", contact.updated_on)]


def contact_row(contact, page, include_projects: bool = False) -> Obj:
    """A contact in a list (projects before the custom fields, when asked for)."""
    projects = [("projects", projects_view(page, contact))] if include_projects else []
    return Obj(_head(contact, page) + projects + _tail(contact, page))


def contact_show(contact, page, includes=frozenset()) -> Obj:
    """One contact shown: its projects after the timestamps, then the includes asked for."""
    fields = _head(contact, page) + _tail(contact, page) + [("projects", projects_view(page, contact))]
    if "notes" in includes and page.notes:
        fields.append(("notes", Array("note", [Obj([("id", int(n.id))] + note_fields(n, page))
                                               for n in page.notes])))
    if "contacts" in includes and page.people:
        fields.append(("contacts", Array("contact", [ref(i, name) for i, name in page.people])))
    if "deals" in includes and page.deals:
        fields.append(("deals", Array("deal", [deal_summary(d, page) for d in page.deals])))
    for key in ("tickets", "issues"):   # python-redmine reads them as issues
        if key in includes and page.tickets:
            fields.append((key, Array(key[:-1], [ticket_summary(t) for t in page.tickets])))
    return Obj(fields)
