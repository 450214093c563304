"""Roles: GET /roles (anyone logged in), GET /roles/:id with its permissions,
POST /roles, PUT/DELETE /roles/:id (admins)."""
from chalicelib.services import roles as rules
from chalicelib.services.validation import section
from chalicelib.web.document import Array, Document, Obj
from chalicelib.web.request import created, done, listing, ok
from chalicelib.web.contract import Operation, documented
from chalicelib.web.routing import Routes

routes = Routes()


def role_view(role, detailed=False) -> Obj:
    fields = [("id", int(role.id)), ("name", role.name)]
    if detailed:
        fields += [("assignable", rules.assignable(role)),
                   ("permissions", Array("permission", role.permissions or []))]
    return Obj(fields)


@documented(Operation("List roles", "Roles", response="RoleList", listing=True))
@routes.get("/roles")
def list_roles(req):
    return listing("roles", "role", rules.listed(req.caller), req.page(), role_view)


@documented(Operation("Show a role", "Roles", response="Role"))
@routes.get("/roles/{id}")
def show_role(req):
    req.caller.require_login()
    return ok(Document("role", role_view(rules.get(req.args["id"]), detailed=True)))


@documented(Operation("Create a role", "Roles", response="Role", status=201, request="RoleBody"))
@routes.post("/roles")
def create_role(req):
    role = rules.create(req.caller, section(req.params, "role"))
    return created(Document("role", role_view(role, detailed=True)), req.url(f"/roles/{role.id}"))


@documented(Operation("Update a role", "Roles", status=204, request="RoleBody"))
@routes.update("/roles/{id}")
def update_role(req):
    rules.update(req.caller, req.args["id"], section(req.params, "role"))
    return done()


@documented(Operation("Delete a role", "Roles", status=204))
@routes.delete("/roles/{id}")
def delete_role(req):
    rules.delete(req.caller, req.args["id"])
    return done()
