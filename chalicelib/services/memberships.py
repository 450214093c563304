"""Memberships: a user's roles in one project. Managed by admins and by users with
manage_contacts in the project. A user is a member of a project at most once."""

from chalicelib.store import records, unique
from chalicelib.store.directory import MembershipRecord, UserRecord
from chalicelib.store.operations import next_id, now

from . import projects as project_rules
from . import validation as v
from .errors import Invalid, NotFound
from . import policy
from .policy import Caller
from .roles import assignable




def of_project(caller: Caller, project_ref):
    project = project_rules.find(caller, project_ref)
    policy.require_manager(caller, project)
    members = records.members_of_project(int(project.id))
    return project, sorted(members, key=lambda m: int(m.id))


def get(caller: Caller, membership_id) -> MembershipRecord:
    membership = records.get(MembershipRecord, membership_id)
    if membership is None:
        raise NotFound()
    project = caller.project(membership.project_id)
    if project is None or not policy.sees_project(caller, project):
        raise NotFound()
    policy.require_manager(caller, project)
    return membership


def _role_ids(caller: Caller, data: dict, messages: v.Messages) -> list:
    own = v.Messages()
    role_ids = v.integer_list(data.get("role_ids"), "Role", own)
    if not role_ids and not own:
        own.add("Role cannot be empty")
    for role_id in role_ids:
        role = caller.roles.get(role_id)
        if role is None or not assignable(role):
            own.invalid("Role")
    for message in own.items:
        messages.add(message)
    return role_ids


def create(caller: Caller, project_ref, data: dict) -> MembershipRecord:
    project = project_rules.find(caller, project_ref)
    policy.require_manager(caller, project)
    messages = v.Messages()
    user_id = v.integer(data.get("user_id"), "User", messages)
    user = None
    if user_id is None and not messages:
        messages.blank("User")
    elif user_id is not None:
        user = records.get(UserRecord, user_id)
        if user is None:
            messages.invalid("User")
    role_ids = _role_ids(caller, data, messages)
    messages.raise_any()
    membership_id = next_id(MembershipRecord.KIND)
    stamp = now()
    membership = MembershipRecord(*MembershipRecord.key(membership_id), id=membership_id,
                                  user_id=int(user.id), project_id=int(project.id),
                                  role_ids=role_ids, created_on=stamp, updated_on=stamp)
    first, *others = membership.copies()
    try:
        unique.insert(first, copies=others)
    except unique.Taken:
        raise Invalid(["User has already been taken"]) from None
    return membership


def update(caller: Caller, membership_id, data: dict) -> MembershipRecord:
    membership = get(caller, membership_id)
    messages = v.Messages()
    role_ids = _role_ids(caller, data, messages)
    messages.raise_any()
    membership.role_ids = role_ids
    membership.updated_on = now()
    unique.replace_existing(membership.copies())
    return membership


def delete(caller: Caller, membership_id) -> None:
    membership = get(caller, membership_id)
    first, *others = membership.copies()
    unique.remove(first, copies=others)
