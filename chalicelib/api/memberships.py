"""Memberships: GET/POST /projects/:id/memberships, GET/PUT/DELETE /memberships/:id."""
from chalicelib.services import memberships as rules
from chalicelib.services.read_models import MembershipPage
from chalicelib.services.users import full_name
from chalicelib.services.validation import section
from chalicelib.web.document import Array, Document, Obj, ref
from chalicelib.web.request import created, done, listing, ok
from chalicelib.web.contract import Operation, documented
from chalicelib.web.routing import Routes

routes = Routes()


def membership_view(membership, page) -> Obj:
    caller = page.caller
    project = caller.project(membership.project_id)
    user = page.user(membership.user_id)
    roles = [caller.roles[int(r)] for r in membership.role_ids if int(r) in caller.roles]
    return Obj([
        ("id", int(membership.id)),
        ("project", ref(int(project.id), project.name)),
        ("user", ref(int(membership.user_id), full_name(user) if user else "")),
        ("roles", Array("role", [ref(int(r.id), r.name) for r in roles])),
    ])


@documented(Operation("List a project's memberships", "Projects", response="MembershipList", listing=True))
@routes.get("/projects/{id}/memberships")
def list_memberships(req):
    _, members = rules.of_project(req.caller, req.args["id"])
    page = req.page()
    names = MembershipPage(req.caller, page.slice(members))
    return listing("memberships", "membership", members, page, lambda m: membership_view(m, names))


@documented(Operation("Add a member to a project", "Projects", response="Membership", status=201, request="MembershipBody"))
@routes.post("/projects/{id}/memberships")
def create_membership(req):
    membership = rules.create(req.caller, req.args["id"], section(req.params, "membership"))
    return created(Document("membership", membership_view(membership, MembershipPage(req.caller, [membership]))),
                   req.url(f"/memberships/{membership.id}"))


@documented(Operation("Show a membership", "Projects", response="Membership"))
@routes.get("/memberships/{id}")
def show_membership(req):
    membership = rules.get(req.caller, req.args["id"])
    return ok(Document("membership", membership_view(membership, MembershipPage(req.caller, [membership]))))


@documented(Operation("Change a membership's roles", "Projects", status=204, request="MembershipBody"))
@routes.update("/memberships/{id}")
def update_membership(req):
    rules.update(req.caller, req.args["id"], section(req.params, "membership"))
    return done()


@documented(Operation("Remove a membership", "Projects", status=204))
@routes.delete("/memberships/{id}")
def delete_membership(req):
    rules.delete(req.caller, req.args["id"])
    return done()
