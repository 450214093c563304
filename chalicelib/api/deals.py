"""Deals: GET/POST /deals, POST /projects/:id/deals, GET/PUT/DELETE /deals/:id,
GET /deal_statuses (+ admin POST/PUT/DELETE), GET/POST /projects/:id/deal_categories."""
from decimal import Decimal

from chalicelib.services import deal_statuses as statuses
from chalicelib.services import deals as rules
from chalicelib.services import notes as note_rules
from chalicelib.services.read_models import DealPage
from chalicelib.services.validation import section
from chalicelib.web.document import Array, Document, Obj, ref
from chalicelib.web.request import created, done, listing, ok
from chalicelib.web.contract import Operation, Param, documented
from chalicelib.web.routing import Routes

from .field_values import custom_field_view, user_ref
from .notes import note_fields

routes = Routes()

DEAL_FILTERS = (
    Param("project_id", {"type": "string"}, "numeric id or identifier; includes subprojects"),
    Param("contact_id", {"type": "string"}, "the deal's contact or a related one"),
    Param("status_id", {"type": "string"}, "a deal status id"),
    Param("assigned_to_id", {"type": "string"}, "user id or `me`"),
    Param("search", {"type": "string"}, "words of the name or background"),
)


def contact_ref(page, contact_id):
    """{id, name} of a contact the deal page may name (one the caller sees), or None."""
    name = page.contact_names.get(int(contact_id)) if contact_id else None
    return ref(int(contact_id), name) if name is not None else None


def status_ref(page, deal):
    status = page.statuses.get(int(deal.status_id)) if deal.status_id else None
    return ref(int(status.id), status.name) if status else None


def project_ref(page, deal):
    project = page.caller.project(deal.project_id)
    return ref(int(project.id), project.name) if project else None


def _price(deal):
    return Decimal(deal.price) if deal.price else None


def deal_summary(deal, page) -> Obj:
    """The shape of include=deals on a contact (`page` holds the caller and the statuses)."""
    return Obj([("id", int(deal.id)), ("price", _price(deal)), ("currency", deal.currency),
                ("price_type", deal.price_type), ("name", deal.name), ("project", project_ref(page, deal)),
                ("status", status_ref(page, deal)), ("background", deal.background),
                ("created_on", deal.created_on), ("updated_on", deal.updated_on)])


def deal_view(deal, page) -> Obj:
    fields = [("id", int(deal.id)), ("name", deal.name), ("price", _price(deal)), ("currency", deal.currency),
              ("price_type", deal.price_type),
              ("probability", None if deal.probability is None else int(deal.probability)),
              ("due_date", deal.due_date), ("background", deal.background),
              ("project", project_ref(page, deal)), ("status", status_ref(page, deal))]
    category = page.categories.get(int(deal.category_id)) if deal.category_id else None
    if category is not None:
        fields.append(("category", ref(int(category.id), category.name)))
    contact = contact_ref(page, deal.contact_id)
    if contact is not None:
        fields.append(("contact", contact))
    for key, user_id in (("author", deal.author_id), ("assigned_to", deal.assigned_to_id)):
        user = user_ref(page, user_id)
        if user is not None:
            fields.append((key, user))
    related = [contact_ref(page, c) for c in deal.related_contact_ids or []]
    fields.append(("related_contacts", Array("contact", [r for r in related if r is not None])))
    if page.definitions:
        values = deal.custom_values or {}
        fields.append(("custom_fields", Array("custom_field", [custom_field_view(d, values)
                                                               for d in page.definitions])))
    if page.notes:
        fields.append(("notes", Array("note", [Obj([("id", int(n.id))] + note_fields(n, page)) for n in page.notes])))
    return Obj(fields + [("created_on", deal.created_on), ("updated_on", deal.updated_on)])


@documented(Operation("List deals", "Deals", response="DealList", listing=True, query=DEAL_FILTERS))
@routes.get("/deals")
@routes.get("/projects/{project_id}/deals")
def list_deals(req):
    page = req.page()
    total, deals = rules.listed(req.caller, req.query, page, req.args.get("project_id"))
    names = DealPage(req.caller, deals)
    return ok(Document("deals", Array("deal", [deal_view(d, names) for d in deals]), page.meta(total)))


def _document(req, deal) -> Document:
    notes = note_rules.of_source(deal) if "notes" in req.includes() else []
    return Document("deal", deal_view(deal, DealPage(req.caller, [deal], notes=notes)))


@documented(Operation("Show a deal", "Deals", response="Deal", query=(Param("include", {"type": "string"}, "notes"),)))
@routes.get("/deals/{id}")
def show_deal(req):
    return ok(_document(req, rules.find(req.caller, req.args["id"])))


@documented(Operation("Create a deal", "Deals", response="Deal", status=201, request="DealBody"))
@routes.post("/deals")
@routes.post("/projects/{project_id}/deals")
def create_deal(req):
    data = section(req.params, "deal")
    project_ref = next((r for r in (data.get("project_id"), req.args.get("project_id"), req.params.get("project_id"))
                        if r not in (None, "")), None)
    deal = rules.create(req.caller, data, project_ref)
    return created(_document(req, deal), req.url(f"/deals/{deal.id}"))


@documented(Operation("Update a deal", "Deals", status=204, request="DealBody"))
@routes.update("/deals/{id}")
def update_deal(req):
    rules.update(req.caller, req.args["id"], section(req.params, "deal"))
    return done()


@documented(Operation("Delete a deal", "Deals", status=204))
@routes.delete("/deals/{id}")
def delete_deal(req):
    rules.delete(req.caller, req.args["id"])
    return done()


# ------------------------------------------------------------------ statuses and categories

def status_view(status) -> Obj:
    return Obj([("id", int(status.id)), ("name", status.name), ("is_closed", bool(status.is_closed)),
                ("is_default", bool(status.is_default))])


@documented(Operation("List deal statuses", "Deals", response="DealStatusList", listing=True))
@routes.get("/deal_statuses")
def list_deal_statuses(req):
    req.caller.require_login()
    return listing("deal_statuses", "deal_status", statuses.statuses(), req.page(), status_view)


@documented(Operation("Create a deal status", "Deals", response="DealStatus", status=201, request="DealStatusBody"))
@routes.post("/deal_statuses")
def create_deal_status(req):
    status = statuses.create_status(req.caller, section(req.params, "deal_status"))
    return created(Document("deal_status", status_view(status)), req.url(f"/deal_statuses/{status.id}"))


@documented(Operation("Update a deal status", "Deals", status=204, request="DealStatusBody"))
@routes.update("/deal_statuses/{id}")
def update_deal_status(req):
    statuses.update_status(req.caller, req.args["id"], section(req.params, "deal_status"))
    return done()


@documented(Operation("Delete a deal status", "Deals", status=204))
@routes.delete("/deal_statuses/{id}")
def delete_deal_status(req):
    statuses.delete_status(req.caller, req.args["id"], rules.status_in_use)
    return done()


def category_view(category) -> Obj:
    return Obj([("id", int(category.id)), ("name", category.name)])


@documented(Operation("List a project's deal categories", "Deals", response="DealCategoryList", listing=True))
@routes.get("/projects/{id}/deal_categories")
def list_deal_categories(req):
    _, found = statuses.categories(req.caller, req.args["id"])
    return listing("deal_categories", "deal_category", found, req.page(), category_view)


@documented(Operation("Create a deal category", "Deals", response="DealCategory", status=201, request="DealCategoryBody"))
@routes.post("/projects/{id}/deal_categories")
def create_deal_category(req):
    category = statuses.create_category(req.caller, req.args["id"], section(req.params, "deal_category"))
    return created(Document("deal_category", category_view(category)), req.url(f"/projects/{req.args['id']}/deal_categories"))
