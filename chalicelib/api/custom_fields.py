"""Custom field definitions: GET/POST /custom_fields, GET/PUT/DELETE /custom_fields/:id (admins)."""
from chalicelib.services import custom_fields as rules
from chalicelib.services.validation import section
from chalicelib.web.document import Array, Document, Obj
from chalicelib.web.request import created, done, listing, ok
from chalicelib.web.contract import Operation, documented
from chalicelib.web.routing import Routes

routes = Routes()


def definition_view(field) -> Obj:
    return Obj([
        ("id", int(field.id)),
        ("name", field.name),
        ("customized_type", field.customized_type),
        ("field_format", field.field_format),
        ("regexp", field.regexp or ""),
        ("min_length", None if field.min_length is None else int(field.min_length)),
        ("max_length", None if field.max_length is None else int(field.max_length)),
        ("is_required", bool(field.is_required)),
        ("multiple", bool(field.multiple)),
        ("default_value", field.default_value),
        ("possible_values", Array("possible_value", [Obj([("value", value), ("label", value)])
                                                      for value in field.possible_values or []])),
    ])


@documented(Operation("List custom fields", "Custom fields", response="CustomFieldList", listing=True))
@routes.get("/custom_fields")
def list_custom_fields(req):
    return listing("custom_fields", "custom_field", rules.listed(req.caller), req.page(),
                   definition_view)


@documented(Operation("Show a custom field", "Custom fields", response="CustomField"))
@routes.get("/custom_fields/{id}")
def show_custom_field(req):
    req.caller.require_admin()
    return ok(Document("custom_field", definition_view(rules.get(req.args["id"]))))


@documented(Operation("Create a custom field", "Custom fields", response="CustomField", status=201, request="CustomFieldBody"))
@routes.post("/custom_fields")
def create_custom_field(req):
    field = rules.create(req.caller, section(req.params, "custom_field"))
    return created(Document("custom_field", definition_view(field)),
                   req.url(f"/custom_fields/{field.id}"))


@documented(Operation("Update a custom field", "Custom fields", status=204, request="CustomFieldBody"))
@routes.update("/custom_fields/{id}")
def update_custom_field(req):
    rules.update(req.caller, req.args["id"], section(req.params, "custom_field"))
    return done()


@documented(Operation("Delete a custom field", "Custom fields", status=204))
@routes.delete("/custom_fields/{id}")
def delete_custom_field(req):
    rules.delete(req.caller, req.args["id"])
    return done()
