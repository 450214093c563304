"""Pieces several documents share: custom field values of a contact or a deal (every defined
field, in position order, with its value; a list for a `multiple` field) and references to
users a read model holds."""
from chalicelib.services.users import full_name
from chalicelib.web.document import Array, Obj, ref


def user_ref(names, user_id):
    """{id, name} of a user the read model `names` holds, or None."""
    user = names.user(user_id)
    return ref(int(user.id), full_name(user)) if user else None


def custom_field_view(definition, values: dict) -> Obj:
    value = values.get(str(int(definition.id)))
    if definition.multiple:
        items = value if isinstance(value, list) else ([value] if value else [])
        return Obj([("id", int(definition.id)), ("name", definition.name), ("multiple", True),
                    ("value", Array("value", items))], attrs=("id", "name", "multiple"))
    if isinstance(value, list):
        value = ", ".join(value)
    return Obj([("id", int(definition.id)), ("name", definition.name), ("value", value or "")],
               attrs=("id", "name"))
