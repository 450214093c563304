"""Projects: GET/POST /projects, GET/PUT/DELETE /projects/:id (numeric id or identifier),
PUT /projects/:id/archive, unarchive, close, reopen."""
from chalicelib.services import policy
from chalicelib.services import projects as rules
from chalicelib.services.policy import ACTIVE, ARCHIVED, CLOSED
from chalicelib.services.validation import section
from chalicelib.web.document import Document, Obj, ref
from chalicelib.web.request import created, done, listing, ok
from chalicelib.web.contract import Operation, documented
from chalicelib.web.routing import Routes

routes = Routes()


def project_view(project, caller) -> Obj:
    fields = [("id", int(project.id)), ("name", project.name), ("identifier", project.identifier),
              ("description", project.description)]
    parent = caller.project(project.parent_id) if project.parent_id else None
    if parent is not None and policy.sees_project(caller, parent):
        fields.append(("parent", ref(int(parent.id), parent.name)))
    fields += [("is_public", bool(project.is_public)), ("status", int(project.status)),
               ("created_on", project.created_on), ("updated_on", project.updated_on)]
    return Obj(fields)


@documented(Operation("List projects", "Projects", response="ProjectList", listing=True))
@routes.get("/projects")
def list_projects(req):
    return listing("projects", "project", rules.visible(req.caller), req.page(),
                   lambda p: project_view(p, req.caller))


@documented(Operation("Show a project", "Projects", response="Project"))
@routes.get("/projects/{id}")
def show_project(req):
    project = rules.find(req.caller, req.args["id"])
    return ok(Document("project", project_view(project, req.caller)))


@documented(Operation("Create a project", "Projects", response="Project", status=201, request="ProjectBody"))
@routes.post("/projects")
def create_project(req):
    project = rules.create(req.caller, section(req.params, "project"))
    return created(Document("project", project_view(project, req.caller)),
                   req.url(f"/projects/{project.id}"))


@documented(Operation("Update a project", "Projects", status=204, request="ProjectBody"))
@routes.update("/projects/{id}")
def update_project(req):
    rules.update(req.caller, req.args["id"], section(req.params, "project"))
    return done()


@documented(Operation("Delete a project", "Projects", status=204))
@routes.delete("/projects/{id}")
def delete_project(req):
    rules.delete(req.caller, req.args["id"])
    return done()


def _status_change(status):
    def change(req):
        rules.set_status(req.caller, req.args["id"], status)
        return done()
    return change


for _action, _status in (("archive", ARCHIVED), ("unarchive", ACTIVE), ("close", CLOSED), ("reopen", ACTIVE)):
    routes.route(["PUT", "POST"], f"/projects/{{id}}/{_action}")(documented(Operation(
        f"{_action.capitalize()} a project", "Projects", status=204))(_status_change(_status)))
