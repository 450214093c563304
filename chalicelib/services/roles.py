"""Roles: named sets of permissions. The built-in Non member and Anonymous roles can have
their permissions changed but are never renamed, given in memberships, or deleted."""

from chalicelib.store import records, unique
from chalicelib.store.directory import MembershipRecord, RoleRecord
from chalicelib.store.operations import next_id, now

from . import validation as v
from .errors import Invalid, NotFound
from .policy import PERMISSIONS, Caller

NAME_MAX = 255


def get(role_id) -> RoleRecord:
    role = records.get(RoleRecord, role_id)
    if role is None:
        raise NotFound()
    return role


def ordered(roles) -> list:
    return sorted(roles, key=lambda r: (int(r.position or 0), int(r.id)))


def listed(caller: Caller) -> list:
    caller.require_login()
    return ordered(caller.roles.values())


def assignable(role) -> bool:
    return int(role.builtin or 0) == 0


FIELDS = (v.Field("name", "Name", required=True, max_length=NAME_MAX, on_create=True, empty_is_none=False),)


def _attributes(data: dict, role=None) -> dict:
    messages = v.Messages()
    values = {}
    creating = role is None
    if (creating or "name" in data) and (creating or assignable(role)):
        name = v.read_fields(data, FIELDS, messages, creating=True)["name"]
        owner = records.find_lookup("role_name", name.lower()) if name else None
        if owner and (creating or owner != int(role.id)):
            messages.taken("Name")
        values["name"] = name
    if creating or "permissions" in data:
        permissions = v.string_list(data.get("permissions"), "Permissions", messages)
        unknown = [p for p in permissions if p not in PERMISSIONS]
        if unknown:
            messages.add(f"Permissions is invalid: {', '.join(unknown)}")
        values["permissions"] = [p for p in PERMISSIONS if p in permissions]
    messages.raise_any()
    return values


def create(caller: Caller, data: dict) -> RoleRecord:
    caller.require_admin()
    values = _attributes(data)
    return save_new(values["name"], values["permissions"])


def save_new(name: str, permissions, builtin: int = 0, role_id: int = None) -> RoleRecord:
    role_id = role_id or next_id(RoleRecord.KIND)
    stamp = now()
    role = RoleRecord(*RoleRecord.key(role_id), id=role_id, name=name, permissions=list(permissions),
                      builtin=builtin, position=role_id, created_on=stamp, updated_on=stamp)
    try:
        unique.insert(role, [("role_name", name.lower())])
    except unique.Taken:
        raise Invalid(["Name has already been taken"]) from None
    return role


def update(caller: Caller, role_id, data: dict) -> RoleRecord:
    caller.require_admin()
    role = get(role_id)
    values = _attributes(data, role)
    old_name = role.name.lower()
    for key, value in values.items():
        setattr(role, key, value)
    role.updated_on = now()
    try:
        unique.replace(role, [("role_name", old_name, role.name.lower())])
    except unique.Taken:
        raise Invalid(["Name has already been taken"]) from None
    return role


def delete(caller: Caller, role_id) -> None:
    caller.require_admin()
    role = get(role_id)
    if not assignable(role):
        raise Invalid(["A built-in role cannot be deleted"])
    in_use = any(int(role.id) in [int(r) for r in m.role_ids] for m in records.all_of(MembershipRecord))
    if in_use:
        raise Invalid(["This role is in use and cannot be deleted"])
    unique.remove(role, [("role_name", role.name.lower())])
