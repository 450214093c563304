"""The JSON Schemas of the OpenAPI document (SPEC sections 4-8): every document the API
answers, and the write bodies, those built from the field tables the validators read.
Loaded only when the document is first built, never on a cold start."""
from chalicelib.services import contacts as contact_rules
from chalicelib.services import custom_fields as field_rules
from chalicelib.services import deal_statuses as status_rules
from chalicelib.services import deals as deal_rules
from chalicelib.services import notes as note_rules
from chalicelib.services import projects as project_rules
from chalicelib.services import roles as role_rules
from chalicelib.services import tickets as ticket_rules
from chalicelib.services import users as user_rules
from chalicelib.services import web_forms as web_form_rules
from chalicelib.services.policy import PERMISSIONS

STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
STAMP = {"type": "string", "format": "date-time", "description": "UTC, `2026-01-31T09:30:00Z`"}


def nullable(schema: dict) -> dict:
    kind = schema.get("type")
    if kind is None:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [kind, "null"] if isinstance(kind, str) else [*kind, "null"]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def obj(required: dict, optional: dict = None, closed: bool = True) -> dict:
    """An object with these properties, `required` always present, `optional` only sometimes."""
    schema = {"type": "object", "properties": {**required, **(optional or {})}, "required": list(required)}
    if closed:
        schema["additionalProperties"] = False
    return schema


def listing(root: str, item: dict) -> dict:
    """A list document: the items under `root` and the paging meta (left out with nometa)."""
    return obj({root: array(item)}, {"total_count": INTEGER, "offset": INTEGER, "limit": INTEGER})


def single(root: str, item: dict) -> dict:
    return obj({root: item})


TEXT = nullable(STRING)
REF = obj({"id": INTEGER, "name": STRING})

# ------------------------------------------------------------------ contacts

ADDRESS = obj({"full_address": TEXT, "street": TEXT, "city": TEXT, "region": TEXT, "country": TEXT,
               "postcode": TEXT}, {"country_code": TEXT})
CUSTOM_VALUE = obj({"id": INTEGER, "name": STRING,
                    "value": {"anyOf": [STRING, array(STRING), {"type": "null"}]}},
                   {"multiple": BOOLEAN})
NOTE_SUMMARY = obj({"id": INTEGER, "content": TEXT, "type_id": nullable(INTEGER), "created_on": STAMP,
                    "updated_on": STAMP}, {"author": REF})
DEAL_SUMMARY = obj({"id": INTEGER, "price": TEXT, "currency": TEXT, "price_type": TEXT, "name": STRING,
                    "project": nullable(REF), "status": nullable(REF), "background": TEXT,
                    "created_on": STAMP, "updated_on": STAMP})
TICKET_SUMMARY = obj({"id": INTEGER, "subject": STRING, "status": REF, "due_date": TEXT,
                      "created_on": STAMP, "updated_on": STAMP})

_CONTACT_HEAD = {
    "id": INTEGER, "is_company": BOOLEAN, "first_name": STRING, "last_name": TEXT, "middle_name": TEXT,
    "company": TEXT, "website": TEXT, "skype_name": TEXT, "birthday": TEXT, "job_title": TEXT,
    "background": TEXT, "address": ADDRESS,
    "tag_list": array(STRING),
    "visibility": {"type": "integer", "enum": [0, 1, 2], "description": "0 project, 1 public, 2 private"},
    "created_on": STAMP, "updated_on": STAMP,
}
_CONTACT_SOMETIMES = {
    "avatar": obj({"attachment_id": INTEGER}), "author": REF, "assigned_to": REF,
    "phones": array(obj({"number": STRING})), "emails": array(obj({"address": STRING})),
    "custom_fields": array(CUSTOM_VALUE),
}
CONTACT_ROW = obj(_CONTACT_HEAD, {**_CONTACT_SOMETIMES, "projects": array(REF)})
CONTACT = obj({**_CONTACT_HEAD, "projects": array(REF)}, {
    **_CONTACT_SOMETIMES, "notes": array(NOTE_SUMMARY), "contacts": array(REF), "deals": array(DEAL_SUMMARY),
    "tickets": array(TICKET_SUMMARY), "issues": array(TICKET_SUMMARY)})

# ------------------------------------------------------------------ the other resources

NOTE = obj({"id": INTEGER, "source": obj({"id": INTEGER, "name": STRING, "type": {"enum": ["Contact", "Deal"]}}),
            "subject": TEXT, "content": TEXT, "type_id": nullable(INTEGER), "created_on": STAMP,
            "updated_on": STAMP}, {"author": REF})
DEAL = obj({"id": INTEGER, "name": STRING, "price": TEXT, "currency": TEXT, "price_type": TEXT,
            "probability": nullable(INTEGER), "due_date": TEXT, "background": TEXT, "project": nullable(REF),
            "status": nullable(REF), "related_contacts": array(REF), "created_on": STAMP, "updated_on": STAMP},
           {"category": REF, "contact": REF, "author": REF, "assigned_to": REF, "custom_fields": array(CUSTOM_VALUE),
            "notes": array(NOTE_SUMMARY)})
DEAL_STATUS = obj({"id": INTEGER, "name": STRING, "is_closed": BOOLEAN, "is_default": BOOLEAN})
TICKET = obj({"id": INTEGER, "subject": STRING, "description": TEXT, "status": REF, "due_date": TEXT,
              "contact": REF, "created_on": STAMP, "updated_on": STAMP}, {"project": REF})
PROJECT = obj({"id": INTEGER, "name": STRING, "identifier": STRING, "description": TEXT, "is_public": BOOLEAN,
               "status": {"type": "integer", "enum": [1, 5, 9], "description": "1 active, 5 closed, 9 archived"},
               "created_on": STAMP, "updated_on": STAMP}, {"parent": REF})
USER = obj({"id": INTEGER, "login": STRING, "firstname": STRING, "lastname": STRING, "mail": TEXT,
            "created_on": STAMP, "updated_on": STAMP, "last_login_on": nullable(STAMP),
            "passwd_changed_on": nullable(STAMP)},
           {"admin": BOOLEAN, "api_key": STRING, "status": INTEGER})
ROLE_ROW = obj({"id": INTEGER, "name": STRING})
ROLE = obj({"id": INTEGER, "name": STRING, "assignable": BOOLEAN,
            "permissions": array({"type": "string", "enum": list(PERMISSIONS)})})
MEMBERSHIP = obj({"id": INTEGER, "project": REF, "user": REF, "roles": array(REF)})
CUSTOM_FIELD = obj({"id": INTEGER, "name": STRING, "customized_type": STRING, "field_format": STRING,
                    "regexp": STRING, "min_length": nullable(INTEGER), "max_length": nullable(INTEGER),
                    "is_required": BOOLEAN, "multiple": BOOLEAN, "default_value": TEXT,
                    "possible_values": array(obj({"value": STRING, "label": STRING}))})
TAG = obj({"id": INTEGER, "name": STRING, "color": STRING})
WEB_FORM = obj({"id": INTEGER, "project_id": INTEGER, "name": STRING, "key": STRING,
                "allowed_origins": array(STRING), "redirect_urls": array(STRING), "default_tags": array(STRING),
                "assigned_to_id": nullable(INTEGER), "rate_limit": INTEGER, "daily_cap": INTEGER,
                "created_on": STAMP, "updated_on": STAMP})
ERRORS = obj({"errors": array(STRING)})


# ------------------------------------------------------------------ write bodies

_KINDS = {"text": STRING, "long_text": STRING, "boolean": {"type": ["boolean", "string"]},
          "date": {"type": "string", "format": "date"}, "integer": {"type": ["integer", "string"]}}


def field_schema(field) -> dict:
    """One attribute of a write body from its validator's Field."""
    if field.kind == "choice":
        schema = {"enum": list(field.choices) + [str(c) for c in field.choices if not isinstance(c, str)]}
    else:
        schema = dict(_KINDS.get(field.kind, STRING))
    if field.max_length and field.kind in ("text", "long_text"):
        schema["maxLength"] = field.max_length
    schema["description"] = field.label + (" (required)" if field.required else "")
    return nullable(schema) if not field.required else schema


def body(root: str, fields, extra: dict = None, required=()) -> dict:
    """A write body `{root: {...}}` from a field table and the attributes rules read in code.
    Unknown attributes are ignored, as in Redmine."""
    properties = {f.key: field_schema(f) for f in fields}
    properties.update(extra or {})
    inner = {"type": "object", "properties": properties}
    if required:
        inner["required"] = list(required)
    return {"type": "object", "properties": {root: inner}, "required": [root]}


ID_OR_IDENTIFIER = {"type": ["integer", "string"], "description": "numeric id or identifier"}
ID_LIST = array({"type": ["integer", "string"]})
CUSTOM_VALUES_SENT = array(obj({"id": INTEGER, "value": {"anyOf": [STRING, array(STRING), {"type": "null"}]}},
                               closed=False))

CONTACT_BODY = body("contact", contact_rules.FIELDS, {
    "project_id": ID_OR_IDENTIFIER, "project_ids": ID_LIST,
    "visibility": {"enum": [0, 1, 2, "0", "1", "2"]},
    "assigned_to_id": nullable({"type": ["integer", "string"]}),
    "tag_list": {"anyOf": [STRING, array(STRING)], "description": "names separated by commas, or a list"},
    "phone": {"type": "string", "description": "phones separated by commas"},
    "email": {"type": "string", "description": "emails separated by commas"},
    "phones": array(STRING), "emails": array(STRING),
    "address_attributes": {"type": "object", "properties": {k: TEXT for k in contact_rules.ADDRESS_FIELDS}},
    "custom_fields": CUSTOM_VALUES_SENT,
})
DEAL_BODY = body("deal", deal_rules.FIELDS, {
    "project_id": ID_OR_IDENTIFIER, "price": {"type": ["string", "number", "null"]},
    "status_id": {"type": ["integer", "string", "null"]}, "category_id": {"type": ["integer", "string", "null"]},
    "contact_id": {"type": ["integer", "string", "null"]}, "related_contact_ids": ID_LIST,
    "assigned_to_id": {"type": ["integer", "string", "null"]}, "custom_fields": CUSTOM_VALUES_SENT,
})
NOTE_BODY = body("note", note_rules.FIELDS, {"source_id": {"type": ["integer", "string"]},
                                             "source_type": {"enum": ["Contact", "Deal"]}})
TICKET_BODY = body("ticket", ticket_rules.FIELDS, {"contact_id": {"type": ["integer", "string"]}})
PROJECT_BODY = body("project", project_rules.FIELDS, {"parent_id": nullable(ID_OR_IDENTIFIER)})
USER_BODY = body("user", user_rules.NAME_FIELDS + user_rules.ADMIN_FIELDS, {
    "login": STRING, "mail": STRING, "password": STRING, "status": {"type": ["integer", "string"]}})
ROLE_BODY = body("role", role_rules.FIELDS, {"permissions": array({"enum": list(PERMISSIONS)}),
                                             "assignable": {"type": ["boolean", "string"]}})
MEMBERSHIP_BODY = body("membership", (), {"user_id": {"type": ["integer", "string"]}, "role_ids": ID_LIST})
CUSTOM_FIELD_BODY = body("custom_field", field_rules.FIELDS, {
    "customized_type": {"enum": ["contact", "deal"]}, "field_format": STRING, "regexp": TEXT,
    "min_length": {"type": ["integer", "string", "null"]}, "max_length": {"type": ["integer", "string", "null"]},
    "default_value": TEXT, "possible_values": array(STRING)})
DEAL_STATUS_BODY = body("deal_status", status_rules.STATUS_FIELDS)
DEAL_CATEGORY_BODY = body("deal_category", (), {"name": STRING})
WEB_FORM_BODY = body("web_form", web_form_rules.FIELDS, {
    "allowed_origins": array(STRING), "redirect_urls": array(STRING), "default_tags": array(STRING),
    "assigned_to_id": nullable({"type": ["integer", "string"]}), "rate_limit": {"type": ["integer", "string"]},
    "daily_cap": {"type": ["integer", "string"]}})
CONTACT_PROJECT_BODY = {"type": "object", "properties": {"project_id": ID_OR_IDENTIFIER}, "required": ["project_id"]}


SCHEMAS = {
    "OpenAPIDocument": {"type": "object", "description": "An OpenAPI 3.1 document", "required": ["openapi"]},
    "Reference": REF, "Errors": ERRORS, "Address": ADDRESS,
    "Contact": single("contact", CONTACT), "ContactList": listing("contacts", CONTACT_ROW),
    "Note": single("note", NOTE),
    "Deal": single("deal", DEAL), "DealList": listing("deals", DEAL),
    "DealStatus": single("deal_status", DEAL_STATUS), "DealStatusList": listing("deal_statuses", DEAL_STATUS),
    "DealCategory": single("deal_category", REF), "DealCategoryList": listing("deal_categories", REF),
    "Ticket": single("ticket", TICKET), "TicketList": listing("tickets", TICKET),
    "Project": single("project", PROJECT), "ProjectList": listing("projects", PROJECT),
    "User": single("user", USER), "UserList": listing("users", USER),
    "Role": single("role", ROLE), "RoleList": listing("roles", ROLE_ROW),
    "Membership": single("membership", MEMBERSHIP), "MembershipList": listing("memberships", MEMBERSHIP),
    "CustomField": single("custom_field", CUSTOM_FIELD), "CustomFieldList": listing("custom_fields", CUSTOM_FIELD),
    "TagList": listing("tags", TAG),
    "VCardImport": single("import", obj({"created": array(REF), "errors": array(obj({
        "card": INTEGER, "messages": array(STRING)}))})),
    "DeletedContactList": listing("deleted_contacts", obj({"id": INTEGER, "deleted_on": STAMP,
                                                           "project_ids": array(INTEGER)})),
    "WebForm": single("web_form", WEB_FORM), "WebFormList": listing("web_forms", WEB_FORM),
    "Upload": single("upload", obj({"token": STRING})),
    "ContactBody": CONTACT_BODY, "DealBody": DEAL_BODY, "NoteBody": NOTE_BODY, "TicketBody": TICKET_BODY,
    "ProjectBody": PROJECT_BODY, "UserBody": USER_BODY, "RoleBody": ROLE_BODY, "MembershipBody": MEMBERSHIP_BODY,
    "CustomFieldBody": CUSTOM_FIELD_BODY, "DealStatusBody": DEAL_STATUS_BODY,
    "DealCategoryBody": DEAL_CATEGORY_BODY, "WebFormBody": WEB_FORM_BODY,
    "ContactProjectBody": CONTACT_PROJECT_BODY,
}
CONTACT_BODY["properties"]["project_id"] = {**ID_OR_IDENTIFIER, "description": "the project, when the contact names none"}


# The documented examples: what SPEC section 5 and the README send, and what comes back.
EXAMPLES = {
    "ContactBody": {"project_id": "support", "contact": {
        "first_name": "Ivan", "last_name": "Ivanov", "email": "ivan@example.com",
        "phone": "+7 495 123 45 67, +7 916 000 00 00", "tag_list": "vip, cold call",
        "address_attributes": {"street1": "Lenina, 1", "city": "Moscow", "country_code": "RU"}}},
    "Contact": {"contact": {
        "id": 1, "is_company": False, "first_name": "Ivan", "last_name": "Ivanov", "middle_name": None,
        "company": None, "website": None, "skype_name": None, "birthday": None, "job_title": None,
        "background": None, "author": {"id": 1, "name": "Redmine Admin"},
        "address": {"full_address": "Lenina, 1, Moscow, Russian Federation", "street": "Lenina, 1",
                    "city": "Moscow", "region": None, "country": "Russian Federation", "country_code": "RU",
                    "postcode": None},
        "phones": [{"number": "+7 495 123 45 67"}, {"number": "+7 916 000 00 00"}],
        "emails": [{"address": "ivan@example.com"}], "tag_list": ["vip", "cold call"], "visibility": 0,
        "created_on": "2026-01-31T09:30:00Z", "updated_on": "2026-01-31T09:30:00Z",
        "projects": [{"id": 1, "name": "Support"}]}},
    "DealBody": {"deal": {"name": "Annual licence", "project_id": "support", "contact_id": 1, "price": "1200.00",
                          "currency": "EUR", "probability": 60}},
    "NoteBody": {"note": {"content": "Called, interested in the annual plan"}},
    "ProjectBody": {"project": {"name": "Support", "identifier": "support", "is_public": True}},
    "ContactProjectBody": {"project_id": "sales"},
}
