"""Contacts: GET/POST /contacts and /projects/:project_id/contacts, GET/PUT/PATCH/DELETE
/contacts/:id, and the contact's projects: POST /contacts/:id/projects,
DELETE /contacts/:id/projects/:project_id."""
from chalicelib.services import contact_lists as lists
from chalicelib.services import contacts as rules
from chalicelib.services import custom_fields as field_rules
from chalicelib.services import deals as deal_rules
from chalicelib.services import notes as note_rules
from chalicelib.services import tickets as ticket_rules
from chalicelib.services.errors import Invalid, Unauthenticated
from chalicelib.services.read_models import ContactPage
from chalicelib.services.validation import section
from chalicelib.web.auth import presented_credentials
from chalicelib.web.document import Array, Document, Obj, ref
from chalicelib.web.request import created, done, listing, ok, text_reply
from chalicelib.web.contract import Operation, Param, documented
from chalicelib.web.routing import Routes

from . import contact_csv, form_posts
from .contact_views import contact_row, contact_show
from .vcards import CONTENT_TYPE as VCARD_TYPE, vcards

routes = Routes()


WITH_VCARDS = ("json", "xml", "vcf")
LISTED_AS = ("json", "xml", "vcf", "csv")
ADDRESS_BOOK_PAGE = 1000        # vCards or CSV rows a page: an answer stays far below Lambda's 6 MB
CSV_TYPE = "text/csv; charset=utf-8"
# The XML body of the plugin's documentation, as the reference shows it.
SEED_XML = """<?xml version="1.0"?>
<contact>
  <first_name>Ivan</first_name>
  <last_name>Ivanov</last_name>
  <project_id>support</project_id>
  <tag_list>vip,cold call</tag_list>
  <address_attributes>
    <street1>12, Street</street1>
    <city>Moscow</city>
    <postcode>123456</postcode>
    <country_code>RU</country_code>
  </address_attributes>
</contact>"""

_RANGE = "`>=STAMP`, `<=STAMP`, `><FROM|TO` or one day `2026-01-31` (UTC)"
CONTACT_FILTERS = (
    Param("project_id", {"type": "string"}, "numeric id or identifier; includes subprojects"),
    Param("assigned_to_id", {"type": "string"}, "user id, `me`, `*` (assigned) or `!*` (unassigned)"),
    Param("tags", {"type": "string"}, "tag names separated by `,` or `|`: all of them (case-insensitive)"),
    Param("search", {"type": "string"}, "words: each a case-insensitive substring of a name, company, "
                                        "job title, email or phone"),
    Param("is_company", {"enum": ["1", "0", "true", "false"]}),
    Param("ids", {"type": "string", "pattern": r"^[0-9]+([,|][0-9]+)*$"}, "`1,2,4` or `1|2|4`, at most 500"),
    Param("author_id", {"type": "string"}, "user id or `me`"),
    Param("created_on", {"type": "string"}, _RANGE),
    Param("updated_on", {"type": "string"}, _RANGE + ": incremental sync"),
    Param("sort", {"type": "string"}, "`field[:desc],...` over " + ", ".join(lists.SORT_FIELDS) +
          "; default `last_name,first_name,id`"),
    Param("include", {"enum": ["projects"]}),
    Param("query_id", {"type": "string"}, "not offered: 422 `Saved queries are not supported`"),
)


@documented(Operation("List contacts", "Contacts", response="ContactList", listing=True, query=CONTACT_FILTERS, description="Also `.vcf` (vCards 3.0) and `.csv` (a header row of labels, a row per contact, custom "
                "fields as columns): 1,000 a page, with X-Total-Count and a Link rel=next header."))
@routes.get("/contacts", formats=LISTED_AS)
@routes.get("/projects/{project_id}/contacts", formats=LISTED_AS)
def list_contacts(req):
    query = lists.parse(req.caller, req.query, req.args.get("project_id"))
    query.include_projects = "projects" in req.includes()
    if req.fmt in ("vcf", "csv"):
        return _export(req, query)
    page = req.page()
    total, contacts = lists.run(req.caller, query, page)
    names = ContactPage(req.caller, contacts)
    rows = [contact_row(c, names, include_projects=query.include_projects) for c in contacts]
    return ok(Document("contacts", Array("contact", rows), page.meta(total)))


def _export(req, query):
    """The matches as vCards or CSV, ADDRESS_BOOK_PAGE at a time (`limit` up to that): the
    answer says how many match (X-Total-Count) and, when more follow, where the next page is
    (Link rel=next)."""
    page = req.page(ADDRESS_BOOK_PAGE)
    total, contacts = lists.run(req.caller, query, page)
    if req.fmt == "csv":
        text = contact_csv.export(contacts, ContactPage(req.caller, contacts), field_rules.defined("contact"))
        reply = text_reply(text, CSV_TYPE, "contacts.csv")
    else:
        reply = text_reply(vcards(contacts, req.base_url), VCARD_TYPE, "contacts.vcf")
    reply.headers["X-Total-Count"] = str(total)
    following = page.offset + page.limit
    if following < total:
        reply.headers["Link"] = f'<{req.url_with(offset=following, limit=page.limit)}>; rel="next"'
    return reply


def _show_document(req, contact) -> Document:
    includes = req.includes()
    page = ContactPage(
        req.caller, [contact],
        notes=note_rules.of_source(contact) if "notes" in includes else (),
        deals=deal_rules.of_contact(req.caller, contact) if "deals" in includes else (),
        tickets=ticket_rules.of_contact(contact) if includes & {"tickets", "issues"} else (),
        company=contact if "contacts" in includes and contact.is_company else None)
    return Document("contact", contact_show(contact, page, includes))


IMPORT = Operation(
    "Import vCards: a contact from each card", "Contacts", response="VCardImport", request_media="text/vcard",
    query=(Param("project_id", {"type": "string"}, "the project, numeric id or identifier"),),
    description="One or many vCards (2.1, 3.0 or 4.0) in the body, at most 200; each card is created "
                "through every rule of a create (add_contacts in the project: the path's, or ?project_id=). "
                "The answer names the created contacts and, per refused card, its position and messages.")


def tombstone_view(tombstone) -> Obj:
    return Obj([("id", int(tombstone.contact_id)), ("deleted_on", tombstone.deleted_on),
                ("project_ids", Array("project_id", [int(p) for p in tombstone.project_ids]))])


@documented(Operation(
    "Contacts deleted since a time", "Contacts", response="DeletedContactList", listing=True,
    query=(Param("since", {"type": "string"}, "`2026-01-31T09:30:00Z` or a day; every kept one without"),),
    description="For incremental sync: after `updated_on=>=STAMP`, the contacts deleted since the same "
                "stamp, oldest first, for the projects where the caller views contacts. Kept for "
                "TOMBSTONE_DAYS (90 by default)."))
@routes.get("/contacts/deleted")
def deleted_contacts(req):
    return listing("deleted_contacts", "deleted_contact", rules.deleted(req.caller, req.query), req.page(),
                   tombstone_view)


@documented(Operation("Show a contact", "Contacts", response="Contact", query=(Param("include", {"type": "string"}, "Comma-separated: notes, contacts, deals, tickets, issues"),), description="Also `.vcf`: the contact as a vCard 3.0."))
@routes.get("/contacts/{id}", formats=WITH_VCARDS)
def show_contact(req):
    contact = rules.find(req.caller, req.args["id"])
    if req.fmt == "vcf":
        return text_reply(vcards([contact], req.base_url), VCARD_TYPE, f"contact-{contact.id}.vcf")
    return ok(_show_document(req, contact))


@documented(Operation("Create a contact", "Contacts", response="Contact", status=201, request="ContactBody", description="Needs add_contacts in the project. The XML seed body:\n\n```xml\n" + SEED_XML + "\n```\n\nA web form posts the same fields as form data with its key (SPEC section 7).", variants=(("vcf", IMPORT),)))
@routes.post("/contacts", form_keys=True, formats=WITH_VCARDS)
@routes.post("/projects/{project_id}/contacts", form_keys=True, formats=WITH_VCARDS)
def create_contact(req):
    """A create, from an API client or from a lead form (SPEC sections 5 and 7); in vCard
    format, an import of the cards sent."""
    data = section(req.params, "contact")
    project_ref = next((ref for ref in (data.get("project_id"), req.args.get("project_id"),
                                        req.params.get("project_id")) if ref not in (None, "")), None)
    if req.caller.anonymous and presented_credentials(req.params, req.headers):
        raise Unauthenticated()   # a wrong key learns nothing else, whatever it sends
    if req.fmt == "vcf":
        return _import_cards(req, project_ref)

    def answer(contact):
        return created(_show_document(req, contact), req.url(f"/contacts/{contact.id}"))

    if form_posts.concerns(req, data):
        return form_posts.create(req, data, project_ref, answer)
    return answer(rules.create(req.caller, data, project_ref))


def _import_cards(req, project_ref):
    """The cards of the body created one by one (SPEC section 5): the created contacts and,
    per refused card, its position and why."""
    if req.caller.user is None:
        raise Unauthenticated()     # an import is an API client's, never a web form's
    from .vcards import Unreadable, read_cards
    try:
        bodies = read_cards(req.raw_body.decode("utf-8", "replace"))
    except Unreadable as error:
        raise Invalid([str(error)]) from None
    contacts, refused = rules.create_many(req.caller, bodies, project_ref)
    created_refs = Array("contact", [ref(int(c.id), rules.display_name(c)) for c in contacts])
    errors = Array("error", [Obj([("card", position), ("messages", Array("message", messages))])
                             for position, messages in refused])
    return ok(Document("import", Obj([("created", created_refs), ("errors", errors)])))


@documented(Operation("CORS preflight of a web form's post", "Contacts", status=204))
@routes.options("/contacts", form_keys=True)
@routes.options("/projects/{project_id}/contacts", form_keys=True)
def preflight_contact(req):
    return form_posts.preflight(req)


@documented(Operation("Update a contact", "Contacts", status=204, request="ContactBody"))
@routes.update("/contacts/{id}")
def update_contact(req):
    rules.update(req.caller, req.args["id"], section(req.params, "contact"))
    return done()


@documented(Operation("Delete a contact", "Contacts", status=204))
@routes.delete("/contacts/{id}")
def delete_contact(req):
    rules.delete(req.caller, req.args["id"])
    return done()


@documented(Operation("Add a contact to a project", "Contacts", status=204, request="ContactProjectBody"))
@routes.post("/contacts/{id}/projects")
def add_contact_project(req):
    project = req.params.get("project")
    project_ref = project.get("id") if isinstance(project, dict) else req.params.get("project_id")
    if project_ref in (None, ""):
        raise rules.Invalid(["Project cannot be blank"])
    rules.add_project(req.caller, req.args["id"], project_ref)
    return done()


@documented(Operation("Remove a contact from a project", "Contacts", status=204))
@routes.delete("/contacts/{id}/projects/{project_id}")
def remove_contact_project(req):
    rules.remove_project(req.caller, req.args["id"], req.args["project_id"])
    return done()
