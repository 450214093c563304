"""Deal statuses (Pending, Won, Lost on a fresh deployment; admins manage them) and the deal
categories of projects."""
from chalicelib.store import records
from chalicelib.store.directory import DealCategoryRecord, DealStatusRecord
from chalicelib.store.operations import next_id, now

from . import projects as project_rules
from . import validation as v
from .errors import Invalid, NotFound
from . import policy
from .policy import Caller

DEFAULT_STATUSES = (("Pending", False, True), ("Won", True, False), ("Lost", True, False))
NAME_MAX = 255


def statuses() -> list:
    return sorted(records.all_of(DealStatusRecord), key=lambda s: (int(s.position or 0), int(s.id)))


def default_status_id():
    found = [s for s in statuses() if s.is_default]
    return int(found[0].id) if found else None


def ensure_default_statuses() -> None:
    """Called once, behind the defaults marker of deal statuses."""
    for position, (name, closed, default) in enumerate(DEFAULT_STATUSES, start=1):
        _save_status(name, closed, default, position)


def _save_status(name, closed, default, position) -> DealStatusRecord:
    status_id = next_id(DealStatusRecord.KIND)
    stamp = now()
    status = DealStatusRecord(*DealStatusRecord.key(status_id), id=status_id, name=name, is_closed=closed,
                              is_default=default, position=position, created_on=stamp, updated_on=stamp)
    records.put(status)
    return status


NAME = v.Field("name", "Name", required=True, max_length=NAME_MAX, on_create=True, empty_is_none=False)
STATUS_FIELDS = (
    NAME,
    v.Field("is_closed", "Closed", kind="boolean", default=False),
    v.Field("is_default", "Default", kind="boolean", default=False),
    v.Field("position", "Position", kind="integer", blank_keeps=True),
)


def _status_attributes(data: dict, creating: bool) -> dict:
    messages = v.Messages()
    values = v.read_fields(data, STATUS_FIELDS, messages, creating)
    messages.raise_any()
    return values


def _only_default(status) -> None:
    if status.is_default:
        for other in statuses():
            if int(other.id) != int(status.id) and other.is_default:
                other.is_default = False
                records.put(other)


def get_status(status_id) -> DealStatusRecord:
    status = records.get(DealStatusRecord, status_id)
    if status is None:
        raise NotFound()
    return status


def create_status(caller: Caller, data: dict) -> DealStatusRecord:
    caller.require_admin()
    values = _status_attributes(data, creating=True)
    status = _save_status(values["name"], values.get("is_closed", False), values.get("is_default", False),
                          values.get("position") or len(statuses()) + 1)
    _only_default(status)
    return status


def update_status(caller: Caller, status_id, data: dict) -> None:
    caller.require_admin()
    status = get_status(status_id)
    for key, value in _status_attributes(data, creating=False).items():
        setattr(status, key, value)
    status.updated_on = now()
    records.put(status)
    _only_default(status)


def delete_status(caller: Caller, status_id, in_use) -> None:
    caller.require_admin()
    status = get_status(status_id)
    if in_use(int(status.id)):
        raise Invalid(["This status is in use and cannot be deleted"])
    records.remove(status)


# ------------------------------------------------------------------ categories

def categories(caller: Caller, project_ref) -> tuple:
    project = project_rules.find(caller, project_ref)
    policy.require_deal_categories(caller, project)
    found = [c for c in records.all_of(DealCategoryRecord) if int(c.project_id) == int(project.id)]
    return project, sorted(found, key=lambda c: (c.name.casefold(), int(c.id)))


def create_category(caller: Caller, project_ref, data: dict) -> DealCategoryRecord:
    project = project_rules.find(caller, project_ref)
    policy.require_manager(caller, project)
    messages = v.Messages()
    name = v.read_fields(data, (NAME,), messages, creating=True)["name"]
    messages.raise_any()
    category_id = next_id(DealCategoryRecord.KIND)
    stamp = now()
    category = DealCategoryRecord(*DealCategoryRecord.key(category_id), id=category_id,
                                  project_id=int(project.id), name=name, created_on=stamp, updated_on=stamp)
    records.put(category)
    return category
