"""Web forms: GET/POST /projects/:id/web_forms, GET/PUT/DELETE /web_forms/:id (admins and
managers of the project). What a form post gets back is in form_posts."""
from chalicelib.services import web_forms as rules
from chalicelib.services.validation import section
from chalicelib.web.document import Array, Document, Obj
from chalicelib.web.request import created, done, listing, ok
from chalicelib.web.contract import Operation, documented
from chalicelib.web.routing import Routes

routes = Routes()


def web_form_view(form) -> Obj:
    return Obj([
        ("id", int(form.id)), ("project_id", int(form.project_id)), ("name", form.name), ("key", form.form_key),
        ("allowed_origins", Array("allowed_origin", form.allowed_origins or [])),
        ("redirect_urls", Array("redirect_url", form.redirect_urls or [])),
        ("default_tags", Array("default_tag", form.default_tags or [])),
        ("assigned_to_id", None if form.assigned_to_id is None else int(form.assigned_to_id)),
        ("rate_limit", int(form.rate_limit)), ("daily_cap", int(form.daily_cap)),
        ("created_on", form.created_on), ("updated_on", form.updated_on),
    ])


@documented(Operation("List a project's web forms", "Web forms", response="WebFormList", listing=True))
@routes.get("/projects/{id}/web_forms")
def list_web_forms(req):
    return listing("web_forms", "web_form", rules.listed(req.caller, req.args["id"]), req.page(), web_form_view)


@documented(Operation("Create a web form", "Web forms", response="WebForm", status=201, request="WebFormBody"))
@routes.post("/projects/{id}/web_forms")
def create_web_form(req):
    form = rules.create(req.caller, req.args["id"], section(req.params, "web_form"))
    return created(Document("web_form", web_form_view(form)), req.url(f"/web_forms/{form.id}"))


@documented(Operation("Show a web form", "Web forms", response="WebForm"))
@routes.get("/web_forms/{id}")
def show_web_form(req):
    return ok(Document("web_form", web_form_view(rules.get(req.caller, req.args["id"]))))


@documented(Operation("Update a web form", "Web forms", status=204, request="WebFormBody"))
@routes.update("/web_forms/{id}")
def update_web_form(req):
    rules.update(req.caller, req.args["id"], section(req.params, "web_form"))
    return done()


@documented(Operation("Revoke a web form", "Web forms", status=204))
@routes.delete("/web_forms/{id}")
def revoke_web_form(req):
    rules.revoke(req.caller, req.args["id"])
    return done()
