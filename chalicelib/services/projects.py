"""Projects: a tree by parent, found by numeric id or identifier; admins create, change and
delete them; everyone sees the active public ones and their own."""
import re

from chalicelib.store import attached, records, unique
from chalicelib.store import contacts as contact_store
from chalicelib.store import deals as deal_store
from chalicelib.store.directory import (DealCategoryRecord, ProjectRecord,
                                        WebFormRecord)
from chalicelib.store.operations import next_id, now

from . import validation as v
from .errors import Conflict, Invalid, NotFound
from . import policy
from .policy import ACTIVE, PROJECT_STATUSES, Caller

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_\-]*$")
IDENTIFIER_MAX = 100
RESERVED_IDENTIFIERS = {"new"}
NAME_MAX = 255
WRITE_ATTEMPTS = 4
DESCRIPTION_MAX = 65536



def find(caller: Caller, ref):
    """A project the caller can see, by numeric id or identifier; NotFound otherwise (a hidden
    project is indistinguishable from a missing one)."""
    project = resolve(caller, ref)
    if project is None or not policy.sees_project(caller, project):
        raise NotFound()
    return project


def resolve(caller: Caller, ref):
    """The project `ref` names, visible or not, or None."""
    if ref is None:
        return None
    text = str(ref).strip()
    if v.is_id(text):
        return caller.project(int(text))
    if not IDENTIFIER.match(text) or len(text) > IDENTIFIER_MAX:
        return None
    project_id = records.find_lookup("identifier", text)
    return caller.project(project_id) if project_id else None


def ordered(projects) -> list:
    """Tree order: each project followed by its subprojects, siblings by name. Each project
    appears once, even if stored parents ever formed a loop (the loop is then entered at its
    first project by name, as if that were top-level)."""
    by_id = {int(p.id): p for p in projects}
    children = {}
    for project in projects:
        parent = int(project.parent_id) if project.parent_id and int(project.parent_id) in by_id else None
        children.setdefault(parent, []).append(project)

    def by_name(items):
        return iter(sorted(items, key=lambda p: (p.name.lower(), int(p.id))))

    result, placed = [], set()

    def walk(top):
        stack = [by_name(top)]
        while stack:
            project = next(stack[-1], None)
            if project is None:
                stack.pop()
            elif int(project.id) not in placed:
                placed.add(int(project.id))
                result.append(project)
                stack.append(by_name(children.get(int(project.id), [])))

    walk(children.get(None, []))
    while len(placed) < len(by_id):
        rest = [p for i, p in by_id.items() if i not in placed]
        walk([min(rest, key=lambda p: (p.name.lower(), int(p.id)))])
    return result


def visible(caller: Caller) -> list:
    return ordered(policy.visible_projects(caller))


def descendants(caller: Caller, project_id: int) -> list:
    """Ids of the project's subprojects, at any depth."""
    found, seen, frontier = [], {int(project_id)}, [int(project_id)]
    while frontier:
        current = frontier.pop()
        for project in caller.projects.values():
            if project.parent_id is not None and int(project.parent_id) == current \
                    and int(project.id) not in seen:   # a stored loop ends here
                seen.add(int(project.id))
                found.append(int(project.id))
                frontier.append(int(project.id))
    return found


# The plain attributes; the identifier (create only), the parent and the status are rules in code.
FIELDS = (
    v.Field("name", "Name", required=True, max_length=NAME_MAX, on_create=True, empty_is_none=False),
    v.Field("description", "Description", kind="long_text", max_length=DESCRIPTION_MAX, empty_is_none=False),
    v.Field("is_public", "Public", kind="boolean", default=True, on_create=True),
)


def _attributes(caller: Caller, data: dict, project=None) -> dict:
    messages = v.Messages()
    creating = project is None
    values = {}
    values.update(v.read_fields(data, FIELDS[:1], messages, creating))
    if creating:
        identifier = v.stripped(data.get("identifier"), "Identifier", messages)
        if not identifier:
            messages.blank("Identifier")
        elif len(identifier) > IDENTIFIER_MAX:
            messages.too_long("Identifier", IDENTIFIER_MAX)
        elif not IDENTIFIER.match(identifier):
            messages.invalid("Identifier")
        elif identifier in RESERVED_IDENTIFIERS:
            messages.add("Identifier is reserved")
        elif records.find_lookup("identifier", identifier):
            messages.taken("Identifier")
        values["identifier"] = identifier
    values.update(v.read_fields(data, FIELDS[1:], messages, creating))
    if "parent_id" in data:
        parent_ref = data.get("parent_id")
        if isinstance(parent_ref, dict):
            parent_ref = parent_ref.get("id")
        if parent_ref in (None, ""):
            values["parent_id"] = None
        else:
            parent = resolve(caller, parent_ref)
            loops = project is not None and parent is not None and (
                int(parent.id) == int(project.id)
                or int(parent.id) in descendants(caller, int(project.id)))
            if parent is None or loops:
                messages.invalid("Subproject of")
            else:
                values["parent_id"] = int(parent.id)
    if "status" in data and not creating:
        status = v.integer(data.get("status"), "Status", messages)
        if status is not None and status not in PROJECT_STATUSES:
            messages.not_included("Status")
        if status is not None:
            values["status"] = status
    messages.raise_any()
    return values


def create(caller: Caller, data: dict) -> ProjectRecord:
    caller.require_admin()
    values = _attributes(caller, data)
    project_id = next_id(ProjectRecord.KIND)
    stamp = now()
    project = ProjectRecord(*ProjectRecord.key(project_id), id=project_id, created_on=stamp,
                            updated_on=stamp, status=ACTIVE, **values)
    try:
        unique.insert(project, [("identifier", values["identifier"])])
    except unique.Taken:
        raise Invalid(["Identifier has already been taken"]) from None
    caller.projects[project_id] = project
    return project


def update(caller: Caller, ref, data: dict) -> ProjectRecord:
    """Only the attributes sent change. A new parent is checked against the tree as read and
    written only if the tree has not changed since (else read again and checked again)."""
    caller.require_admin()
    for _attempt in range(WRITE_ATTEMPTS):
        version = records.project_tree_version()     # before the tree is read
        caller.__dict__.pop("projects", None)
        project = find(caller, ref)
        values = _attributes(caller, data, project)
        values["updated_on"] = now()
        for key, value in values.items():
            setattr(project, key, value)
        if "parent_id" not in values:
            records.update_fields(project, values)
            return project
        if records.save_reparented(project, version):
            return project
    raise Conflict()


def set_status(caller: Caller, ref, status: int) -> None:
    update(caller, ref, {"status": status})


def _in_use(project_id: int) -> list:
    """Why a project cannot go: contacts, deals or tickets still in it."""
    reasons = []
    if any(project_id in contact_store.bucket_parts(bucket)[1] for bucket in contact_store.bucket_counts()):
        reasons.append("Project has contacts")
    if deal_store.any_in_project(project_id):
        reasons.append("Project has deals")
    if attached.any_ticket_in_project(project_id):
        reasons.append("Project has tickets")
    return reasons


def delete(caller: Caller, ref) -> None:
    """Deletes the project and its subprojects with their memberships, web forms (and their
    keys) and deal categories; refused (422) while any of them still has contacts, deals or
    tickets."""
    caller.require_admin()
    project = find(caller, ref)
    doomed = [int(project.id)] + descendants(caller, int(project.id))
    messages = v.Messages()
    for project_id in doomed:
        for message in _in_use(project_id):
            messages.add(message)
    messages.raise_any()
    forms = [f for f in records.all_of(WebFormRecord) if int(f.project_id) in doomed]
    categories = [c for c in records.all_of(DealCategoryRecord) if int(c.project_id) in doomed]
    for project_id in doomed:
        unique.remove_many(item for membership in records.members_of_project(project_id)
                           for item in membership.copies())
        for form in (f for f in forms if int(f.project_id) == project_id):
            unique.remove(form, [("form_key", form.form_key)])
        unique.remove_many(c for c in categories if int(c.project_id) == project_id)
        doomed_project = caller.projects[project_id]
        unique.remove(doomed_project, [("identifier", doomed_project.identifier)])
        caller.projects.pop(project_id, None)

