"""Users: GET/POST /users, GET/PUT/DELETE /users/:id, GET /users/current,
GET /my/account, POST /my/api_key."""
from chalicelib.services import policy
from chalicelib.services import users as rules
from chalicelib.services.validation import section
from chalicelib.web.document import Document, Obj
from chalicelib.web.request import created, done, listing, ok
from chalicelib.web.contract import Operation, documented
from chalicelib.web.routing import Routes

routes = Routes()


def user_view(user, caller, api_key=None) -> Obj:
    """Redmine's user document; `admin` and `status` only for admins and the user itself."""
    private = policy.sees_account_of(caller, user)
    fields = [("id", int(user.id)), ("login", user.login)]
    if private:
        fields.append(("admin", bool(user.admin)))
    fields += [("firstname", user.firstname), ("lastname", user.lastname), ("mail", user.mail),
               ("created_on", user.created_on), ("updated_on", user.updated_on),
               ("last_login_on", user.last_login_on), ("passwd_changed_on", user.passwd_changed_on)]
    if api_key is not None:
        fields.append(("api_key", api_key))
    if private:
        fields.append(("status", int(user.status)))
    return Obj(fields)


@documented(Operation("List users", "Users", response="UserList", listing=True))
@routes.get("/users")
def list_users(req):
    users = rules.listed(req.caller, status=req.query.get("status"), name=req.query.get("name"))
    return listing("users", "user", users, req.page(), lambda u: user_view(u, req.caller))


@documented(Operation("The caller's own account", "Users", response="User"))
@routes.get("/users/current")
@routes.get("/my/account")
def current_user(req):
    req.caller.require_login()
    return ok(Document("user", user_view(req.caller.user, req.caller)))


@documented(Operation("Issue a new API key for the caller", "Users", response="User", status=201))
@routes.post("/my/api_key")
def reissue_api_key(req):
    req.caller.require_login()
    key = rules.reissue_api_key(req.caller.user)
    return created(Document("user", user_view(req.caller.user, req.caller, api_key=key)),
                   req.url("/my/account"))


@documented(Operation("Show a user", "Users", response="User"))
@routes.get("/users/{id}")
def show_user(req):
    policy.require_user_read(req.caller, req.args["id"])
    return ok(Document("user", user_view(rules.get(req.args["id"]), req.caller)))


@documented(Operation("Create a user", "Users", response="User", status=201, request="UserBody"))
@routes.post("/users")
def create_user(req):
    user, key = rules.create(req.caller, section(req.params, "user"))
    return created(Document("user", user_view(user, req.caller, api_key=key)),
                   req.url(f"/users/{user.id}"))


@documented(Operation("Update a user", "Users", status=204, request="UserBody"))
@routes.update("/users/{id}")
def update_user(req):
    rules.update(req.caller, req.args["id"], section(req.params, "user"))
    return done()


@documented(Operation("Delete a user", "Users", status=204))
@routes.delete("/users/{id}")
def delete_user(req):
    rules.delete(req.caller, req.args["id"])
    return done()
