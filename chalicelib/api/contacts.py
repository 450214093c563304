"""Contacts: GET/POST /contacts and /projects/:project_id/contacts, GET/PUT/PATCH/DELETE
/contacts/:id, and the contact's projects: POST /contacts/:id/projects,
DELETE /contacts/:id/projects/:project_id."""
from chalicelib.services import contact_lists as lists
from chalicelib.services import contacts as rules
from chalicelib.services.validation import section
from chalicelib.web.document import Array, Document
from chalicelib.web.request import created, done, ok
from chalicelib.web.routing import Routes

from .contact_views import Rendering, contact_view

routes = Routes()


@routes.get("/contacts")
@routes.get("/projects/{project_id}/contacts")
def list_contacts(req):
    query = lists.parse(req.caller, req.query, req.args.get("project_id"))
    query.include_projects = "projects" in req.includes()
    page = req.page()
    total, contacts = lists.run(req.caller, query, page)
    rendering = Rendering(req.caller, contacts)
    rows = [contact_view(c, rendering, include_projects=query.include_projects) for c in contacts]
    return ok(Document("contacts", Array("contact", rows), page.meta(total)))


def _show_document(req, contact) -> Document:
    rendering = Rendering(req.caller, [contact])
    return Document("contact", contact_view(contact, rendering, show=True, includes=req.includes()))


@routes.get("/contacts/{id}")
def show_contact(req):
    return ok(_show_document(req, rules.find(req.caller, req.args["id"])))


@routes.post("/contacts")
@routes.post("/projects/{project_id}/contacts")
def create_contact(req):
    data = section(req.params, "contact")
    project_ref = next((ref for ref in (data.get("project_id"), req.args.get("project_id"),
                                        req.params.get("project_id")) if ref not in (None, "")), None)
    contact = rules.create(req.caller, data, project_ref)
    return created(_show_document(req, contact), req.url(f"/contacts/{contact.id}"))


@routes.put("/contacts/{id}")
def update_contact(req):
    rules.update(req.caller, req.args["id"], section(req.params, "contact"))
    return done()


@routes.delete("/contacts/{id}")
def delete_contact(req):
    rules.delete(req.caller, req.args["id"])
    return done()


@routes.post("/contacts/{id}/projects")
def add_contact_project(req):
    project = req.params.get("project")
    project_ref = project.get("id") if isinstance(project, dict) else req.params.get("project_id")
    if project_ref in (None, ""):
        raise rules.Invalid(["Project cannot be blank"])
    rules.add_project(req.caller, req.args["id"], project_ref)
    return done()


@routes.delete("/contacts/{id}/projects/{project_id}")
def remove_contact_project(req):
    rules.remove_project(req.caller, req.args["id"], req.args["project_id"])
    return done()
