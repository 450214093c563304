"""Deals: GET/POST /deals, POST /projects/:id/deals, GET/PUT/DELETE /deals/:id,
GET /deal_statuses (+ admin POST/PUT/DELETE), GET/POST /projects/:id/deal_categories."""
from decimal import Decimal

from chalicelib.services import custom_fields as field_rules
from chalicelib.services import deal_statuses as statuses
from chalicelib.services import deals as rules
from chalicelib.services import notes as note_rules
from chalicelib.services import users
from chalicelib.services.users import full_name
from chalicelib.services.validation import section
from chalicelib.store import contacts as contact_store
from chalicelib.store import records
from chalicelib.store.directory import DealCategoryRecord
from chalicelib.web.document import Array, Document, Obj, ref
from chalicelib.web.request import created, done, listing, ok
from chalicelib.web.routing import Routes

from .field_values import custom_field_view
from .notes import NoteAuthors, note_fields

routes = Routes()


class DealRendering:
    """Names a page of deals refers to, read once: statuses, categories, contacts, users."""

    def __init__(self, caller, deals):
        self.caller = caller
        self.statuses = {int(s.id): s for s in statuses.statuses()}
        category_ids = {int(d.category_id) for d in deals if d.category_id}
        self.categories = {int(c.id): c for c in records.all_of(DealCategoryRecord)} if category_ids else {}
        contact_ids = {int(c) for d in deals for c in [d.contact_id, *(d.related_contact_ids or [])] if c}
        # Only contacts the caller sees are named: a deal never reveals a hidden one.
        self.contacts = rules.visible_contacts(caller, contact_store.get_many(contact_ids))
        user_ids = {int(u) for d in deals for u in (d.author_id, d.assigned_to_id) if u}
        self.users = users.by_ids(user_ids)
        self.definitions = field_rules.defined("deal")

    def contact_ref(self, contact_id):
        contact = self.contacts.get(int(contact_id)) if contact_id else None
        return ref(int(contact.id), contact_store.display_name(contact)) if contact else None

    def status_ref(self, deal):
        status = self.statuses.get(int(deal.status_id)) if deal.status_id else None
        return ref(int(status.id), status.name) if status else None

    def project_ref(self, deal):
        project = self.caller.project(deal.project_id)
        return ref(int(project.id), project.name) if project else None


def _price(deal):
    return Decimal(deal.price) if deal.price else None


def deal_summary(deal, rendering) -> Obj:
    """The shape of include=deals on a contact."""
    return Obj([("id", int(deal.id)), ("price", _price(deal)), ("currency", deal.currency),
                ("price_type", deal.price_type), ("name", deal.name), ("project", rendering.project_ref(deal)),
                ("status", rendering.status_ref(deal)), ("background", deal.background),
                ("created_on", deal.created_on), ("updated_on", deal.updated_on)])


def deal_view(deal, rendering) -> Obj:
    fields = [("id", int(deal.id)), ("name", deal.name), ("price", _price(deal)), ("currency", deal.currency),
              ("price_type", deal.price_type),
              ("probability", None if deal.probability is None else int(deal.probability)),
              ("due_date", deal.due_date), ("background", deal.background),
              ("project", rendering.project_ref(deal)), ("status", rendering.status_ref(deal))]
    category = rendering.categories.get(int(deal.category_id)) if deal.category_id else None
    if category is not None:
        fields.append(("category", ref(int(category.id), category.name)))
    contact = rendering.contact_ref(deal.contact_id)
    if contact is not None:
        fields.append(("contact", contact))
    for key, user_id in (("author", deal.author_id), ("assigned_to", deal.assigned_to_id)):
        user = rendering.users.get(int(user_id)) if user_id else None
        if user is not None:
            fields.append((key, ref(int(user.id), full_name(user))))
    related = [rendering.contact_ref(c) for c in deal.related_contact_ids or []]
    fields.append(("related_contacts", Array("contact", [r for r in related if r is not None])))
    if rendering.definitions:
        values = deal.custom_values or {}
        fields.append(("custom_fields", Array("custom_field", [custom_field_view(d, values)
                                                               for d in rendering.definitions])))
    return Obj(fields + [("created_on", deal.created_on), ("updated_on", deal.updated_on)])


@routes.get("/deals")
@routes.get("/projects/{project_id}/deals")
def list_deals(req):
    entries = rules.listed(req.caller, req.query, req.args.get("project_id"))
    page = req.page()
    deals = rules.page_of(entries, page)
    rendering = DealRendering(req.caller, deals)
    return ok(Document("deals", Array("deal", [deal_view(d, rendering) for d in deals]), page.meta(len(entries))))


def _document(req, deal) -> Document:
    view = deal_view(deal, DealRendering(req.caller, [deal]))
    if "notes" in req.includes():
        notes = note_rules.of_source(deal)
        if notes:
            authors = NoteAuthors(notes)
            view.fields.append(("notes", Array("note", [Obj([("id", int(n.id))] + note_fields(n, authors))
                                                        for n in notes])))
    return Document("deal", view)


@routes.get("/deals/{id}")
def show_deal(req):
    return ok(_document(req, rules.find(req.caller, req.args["id"])))


@routes.post("/deals")
@routes.post("/projects/{project_id}/deals")
def create_deal(req):
    data = section(req.params, "deal")
    project_ref = next((r for r in (data.get("project_id"), req.args.get("project_id"), req.params.get("project_id"))
                        if r not in (None, "")), None)
    deal = rules.create(req.caller, data, project_ref)
    return created(_document(req, deal), req.url(f"/deals/{deal.id}"))


@routes.update("/deals/{id}")
def update_deal(req):
    rules.update(req.caller, req.args["id"], section(req.params, "deal"))
    return done()


@routes.delete("/deals/{id}")
def delete_deal(req):
    rules.delete(req.caller, req.args["id"])
    return done()


# ------------------------------------------------------------------ statuses and categories

def status_view(status) -> Obj:
    return Obj([("id", int(status.id)), ("name", status.name), ("is_closed", bool(status.is_closed)),
                ("is_default", bool(status.is_default))])


@routes.get("/deal_statuses")
def list_deal_statuses(req):
    req.caller.require_login()
    return listing("deal_statuses", "deal_status", statuses.statuses(), req.page(), status_view)


@routes.post("/deal_statuses")
def create_deal_status(req):
    status = statuses.create_status(req.caller, section(req.params, "deal_status"))
    return created(Document("deal_status", status_view(status)), req.url(f"/deal_statuses/{status.id}"))


@routes.update("/deal_statuses/{id}")
def update_deal_status(req):
    statuses.update_status(req.caller, req.args["id"], section(req.params, "deal_status"))
    return done()


@routes.delete("/deal_statuses/{id}")
def delete_deal_status(req):
    statuses.delete_status(req.caller, req.args["id"], rules.status_in_use)
    return done()


def category_view(category) -> Obj:
    return Obj([("id", int(category.id)), ("name", category.name)])


@routes.get("/projects/{id}/deal_categories")
def list_deal_categories(req):
    _, found = statuses.categories(req.caller, req.args["id"])
    return listing("deal_categories", "deal_category", found, req.page(), category_view)


@routes.post("/projects/{id}/deal_categories")
def create_deal_category(req):
    category = statuses.create_category(req.caller, req.args["id"], section(req.params, "deal_category"))
    return created(Document("deal_category", category_view(category)), req.url(f"/projects/{req.args['id']}/deal_categories"))
