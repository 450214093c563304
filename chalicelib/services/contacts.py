"""The rules of contacts: what create and update accept, every validation message at once,
permissions and visibility, project links, and companies whose renames their people follow.

A write reads the contact, applies the changes, and saves it with its index entries in one
transaction conditioned on the version it read; when another writer got there first, the
changes are applied again to the fresh contact (a few times), so no update is ever lost.
"""
import logging
import re
import time
from dataclasses import dataclass, field

from chalicelib.store import contacts as store
from chalicelib.store import attached
from chalicelib.store import deals as deal_store
from chalicelib.store import records, versions
from chalicelib.store.crm import ContactRecord
from chalicelib.store.directory import UserRecord
from chalicelib.store.operations import next_id, now

from . import avatars
from . import contact_lists
from . import users
from . import tags as tag_rules
from . import custom_fields as field_rules
from . import projects as project_rules
from . import validation as v
from .errors import Invalid, NotFound, is_unavailable
from . import policy
from .policy import VISIBILITIES, Caller
from .writes import versioned

log = logging.getLogger("contacts_api.contacts")

TEXT_MAX = 255
LONG_TEXT_MAX = 65536
# The plain attributes of a contact; lists, tags, projects, users and the address are read in code.
FIELDS = (
    v.Field("first_name", "First name", required=True, max_length=TEXT_MAX, on_create=True),
    *(v.Field(key, label, max_length=TEXT_MAX) for key, label in (
        ("last_name", "Last name"), ("middle_name", "Middle name"), ("company", "Company"),
        ("website", "Website"), ("skype_name", "Skype name"), ("job_title", "Job title"))),
    v.Field("background", "Background", kind="long_text", max_length=LONG_TEXT_MAX),
    v.Field("is_company", "Is company", kind="boolean", default=False),
    v.Field("birthday", "Birthday", kind="date"),
)
MAX_PROJECTS, MAX_TAGS, TAG_MAX, MAX_VALUES = 20, 30, 100, 50
ADDRESS_FIELDS = ("street1", "street2", "city", "region", "postcode", "country_code")
RENAME_BATCH = 25
_TAG_TOKEN = re.compile(r'\s*(?:"([^"]*)"|\'([^\']*)\'|([^,]+))\s*(?:,|$)')


@dataclass
class Draft:
    """The validated changes of one create or update request."""
    values: dict = field(default_factory=dict)       # record attributes to set
    address: dict = None                             # address_attributes sent (merged on update)
    custom_values: dict = None                       # {field id: value or None}
    avatar_token: str = None                         # an upload to become the avatar
    project_ids: list = None                         # on update: the visible projects asked for


# ------------------------------------------------------------------ reading

def find(caller: Caller, contact_id, permission: str = None):
    """A contact the caller sees (and may `permission`); 404 when missing, 403/401 when hidden."""
    contact = store.get(contact_id) if v.is_id(contact_id) else None
    if contact is None:
        raise NotFound()
    policy.require_contact(caller, contact, permission)
    return contact


def display_name(contact) -> str:
    """A contact's name as lists, references and vCards show it."""
    return store.display_name(contact)


def country_name(code):
    if not code:
        return None
    import pycountry  # its tables load on first use only
    country = pycountry.countries.get(alpha_2=code)
    return (getattr(country, "common_name", None) or country.name) if country else None


# ------------------------------------------------------------------ parsing

def _split_tags(value) -> list:
    if isinstance(value, str):
        names = []
        for match in _TAG_TOKEN.finditer(value):
            name = next((g for g in match.groups() if g is not None), "")
            names.append(name)
            if match.end() >= len(value):
                break
        return names
    if isinstance(value, list):
        return [item.get("name") if isinstance(item, dict) else item for item in value]
    return None


def tag_names(value, messages: v.Messages) -> list:
    """A tag list (string with quoted names, or a list), deduplicated case-insensitively."""
    if value is None:
        return []
    names = _split_tags(value)
    if names is None or not all(isinstance(n, (str, int)) and not isinstance(n, bool) for n in names):
        messages.invalid("Tag list")
        return []
    result, seen = [], set()
    for name in (str(n).strip() for n in names):
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name)
    if any(len(name) > TAG_MAX for name in result):
        messages.add(f"Tag list has a tag longer than {TAG_MAX} characters")
    if len(result) > MAX_TAGS:
        messages.add(f"Tag list has too many tags (maximum is {MAX_TAGS})")
    return result


def _listed(data: dict, single: str, plural: str, inner: str, label: str, messages) -> list:
    """phone / phones, email / emails: a comma-separated string or a list of strings or {inner}."""
    value = data.get(plural) if plural in data else data.get(single)
    if value is None:
        return []
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list):
        items = [item.get(inner) if isinstance(item, dict) else item for item in value]
    else:
        messages.invalid(label)
        return []
    result = []
    for item in items:
        if not isinstance(item, (str, int)) or isinstance(item, bool):
            messages.invalid(label)
            continue
        item = str(item).strip()
        if item:
            result.append(item)
    if any(len(item) > TEXT_MAX for item in result):
        messages.too_long(label, TEXT_MAX)
    if len(result) > MAX_VALUES:
        messages.add(f"{label} has too many entries (maximum is {MAX_VALUES})")
    return result


def _address(value, messages: v.Messages):
    if not isinstance(value, dict):
        if value not in (None, ""):
            messages.invalid("Address")
        return None
    address = {}
    for key in ADDRESS_FIELDS:
        if key in value:
            text = v.stripped(value.get(key), "Address", messages) or None
            messages.check_length(key.replace("_", " ").capitalize(), text, TEXT_MAX)
            address[key] = text
    code = address.get("country_code")
    if code:
        address["country_code"] = code = code.upper()
        if len(code) != 2 or country_name(code) is None:
            messages.add("Country code is not included in the list")
    return address


def custom_values_sent(data: dict, definitions: list, messages: v.Messages):
    """The custom field values sent, by field id; None when none were sent."""
    sent = {}
    if isinstance(data.get("custom_fields"), list):
        for item in data["custom_fields"]:
            if isinstance(item, dict) and "id" in item:
                sent[str(item.get("id")).strip()] = item.get("value")
    if isinstance(data.get("custom_field_values"), dict):
        sent.update({str(k).strip(): value for k, value in data["custom_field_values"].items()})
    if not sent:
        return None
    result = {}
    for definition in definitions:
        key = str(int(definition.id))
        if key not in sent:
            continue
        value = sent[key]
        if definition.multiple:
            items = value if isinstance(value, list) else [value]
            items = [str(i).strip() for i in items
                     if i is not None and not isinstance(i, (dict, list)) and str(i).strip()]
            for item in items:
                for message in field_rules.value_errors(definition, item):
                    messages.add(message)
            result[key] = list(dict.fromkeys(items)) or None
        else:
            if isinstance(value, (dict, list)):
                messages.invalid(definition.name)
                continue
            text = None if value is None else (
                ("1" if value else "0") if isinstance(value, bool) else str(value))
            if text is not None and definition.field_format != "text":
                text = text.strip()
            if text:
                for message in field_rules.value_errors(definition, text):
                    messages.add(message)
            result[key] = text or None
    return result


def active_user_id(value, label: str, messages: v.Messages):
    """The id of an active user, or None with `<label> is invalid`."""
    if isinstance(value, dict):
        value = value.get("id")
    number = v.integer(value, label, messages)
    if number is None:
        return None
    user = records.get(UserRecord, number)
    if user is None or int(user.status) != users.ACTIVE:
        messages.invalid(label)
        return None
    return number


def _project_list(caller: Caller, value, messages: v.Messages) -> list:
    if isinstance(value, str):
        value = [part for part in re.split(r"[,|\s]+", value) if part]
    if not isinstance(value, list):
        messages.invalid("Projects")
        return []
    found = []
    for ref in value:
        if isinstance(ref, dict):
            ref = ref.get("id")
        project = project_rules.resolve(caller, ref) if isinstance(ref, (str, int)) else None
        if project is None or not policy.sees_project(caller, project):
            messages.invalid("Projects")
            continue
        if int(project.id) not in found:
            found.append(int(project.id))
    if len(found) > MAX_PROJECTS:
        messages.add(f"Projects has too many entries (maximum is {MAX_PROJECTS})")
    return found


def parse(caller: Caller, data: dict, definitions: list, creating: bool) -> Draft:
    """Every accepted key of a create or update body, validated; Invalid with all messages."""
    messages = v.Messages()
    draft = Draft()
    values = draft.values
    values.update(v.read_fields(data, FIELDS, messages, creating))
    if "phone" in data or "phones" in data:
        values["phones"] = _listed(data, "phone", "phones", "number", "Phone", messages)
    if "email" in data or "emails" in data:
        emails = [e.lower() for e in _listed(data, "email", "emails", "address", "Email", messages)]
        if any(not v.EMAIL.match(e) for e in emails):
            messages.add("Email is invalid")
        values["emails"] = list(dict.fromkeys(emails))
    if "tag_list" in data:
        values["tags"] = tag_names(data.get("tag_list"), messages)
    if "visibility" in data:
        values["visibility"] = v.one_of(data.get("visibility"), "Visibility", VISIBILITIES, messages, required=True)
    if "assigned_to_id" in data:
        values["assigned_to_id"] = active_user_id(data.get("assigned_to_id"), "Assigned to", messages)
    if "author_id" in data and policy.may_set_author(caller):
        author = active_user_id(data.get("author_id"), "Author", messages)
        if author is not None:
            values["author_id"] = author
    if "project_ids" in data:
        values["project_ids"] = _project_list(caller, data.get("project_ids"), messages)
        if not values["project_ids"] and not messages:
            messages.add("A contact must belong to at least one project")
    if "address_attributes" in data:
        draft.address = _address(data.get("address_attributes"), messages)
    draft.custom_values = custom_values_sent(data, definitions, messages)
    draft.avatar_token = avatars.token_of(data)
    messages.raise_any()
    return draft


# ------------------------------------------------------------------ applying

def _merged_address(current, sent):
    if sent is None:
        return current
    address = dict(current or {})
    address.update(sent)
    if not any(address.get(key) for key in ADDRESS_FIELDS):
        return None
    return {key: address.get(key) for key in ADDRESS_FIELDS}


def _apply(contact: ContactRecord, draft: Draft, extra_projects=(), caller: Caller = None) -> None:
    for key, value in draft.values.items():
        setattr(contact, key, value)
    if draft.project_ids is not None:
        # Re-decided on the contact as it is now: a concurrent writer may have linked more.
        contact.project_ids = policy.project_set(caller, contact.project_ids, draft.project_ids)
    if draft.address is not None:
        contact.address = _merged_address(contact.address, draft.address)
    if draft.custom_values is not None:
        merged = dict(contact.custom_values or {})
        merged.update(draft.custom_values)
        contact.custom_values = {k: val for k, val in merged.items() if val not in (None, [], "")} or None
    projects = [int(p) for p in contact.project_ids]
    for project_id in extra_projects:
        if project_id not in projects:
            projects.insert(0, project_id)
    contact.project_ids = projects


def _check_state(caller: Caller, contact: ContactRecord, definitions: list, creating: bool,
                 previous: ContactRecord = None) -> None:
    """Rules that depend on the contact as it will be: required custom fields, and an assignee
    who sees it (checked when the write sets the assignee or changes who may see the contact,
    so an unrelated edit never fails for a rule someone else's change broke)."""
    messages = v.Messages()
    values = contact.custom_values or {}
    for definition in definitions:
        if definition.is_required and not values.get(str(int(definition.id))):
            if not (creating and definition.default_value):
                messages.blank(definition.name)
    if not contact.project_ids:
        messages.add("A contact must belong to at least one project")
    if contact.assigned_to_id and _moves_visibility(previous, contact):
        if not policy.assignee_sees(records.get(UserRecord, contact.assigned_to_id), contact):
            messages.invalid("Assigned to")
    messages.raise_any()


def _moves_visibility(previous, contact) -> bool:
    if previous is None:
        return True
    return previous.assigned_to_id != contact.assigned_to_id or \
        int(previous.visibility or 0) != int(contact.visibility or 0) or \
        {int(p) for p in previous.project_ids} != {int(p) for p in contact.project_ids}


def _canonical_tags(caller: Caller, draft: Draft) -> None:
    """Tags take the spelling the caller already sees on its contacts, else the one given."""
    if "tags" in draft.values:
        draft.values["tags"] = tag_rules.spelled(caller, draft.values["tags"])


def _save(contact, previous, extra=()) -> None:
    try:
        store.save(contact, previous, extra=extra)
    except versions.ClaimLost:
        raise Invalid(["Avatar is invalid"]) from None   # another contact took the upload first
    except versions.TooManyChanges:
        raise Invalid(["Too many project and tag changes at once; send them in smaller steps"]) from None
    if previous is not None and store.visibility_summary(previous) != store.visibility_summary(contact):
        _follow_visibility(contact.id, contact)


FOLLOW_ATTEMPTS = 3


def _follow_visibility(contact_id, contact) -> None:
    """The contact's deals and tickets carry its new visibility summary. The contact's own
    write is done by then: the follow-up is tried again on a passing failure (it only sets
    values), then logged, not answered: it only makes deal and ticket lists lag (a page checks
    its contacts as stored and brings the summaries up to date)."""
    for attempt in range(FOLLOW_ATTEMPTS):
        try:
            deal_store.follow_contact(contact_id, contact)
            if contact is not None:
                attached.tickets.follow(contact.pk, store.visibility_summary(contact))
            return
        except Exception as error:
            if not is_unavailable(error):
                raise
            if attempt == FOLLOW_ATTEMPTS - 1:
                log.warning("deals and tickets of contact %s lag its change: %s", contact_id, error)
                return
            time.sleep(0.05 * (2 ** attempt))


# ------------------------------------------------------------------ create

def creation_project(caller: Caller, project_ref):
    """The project a create names (None when it names none), after the caller's right to create
    there (or anywhere, without one): 404 for a project it cannot see, 403/401 without the right."""
    project = None
    if project_ref not in (None, ""):
        project = project_rules.resolve(caller, project_ref) if isinstance(project_ref, (str, int)) else None
        if project is None or not policy.sees_project(caller, project):
            raise NotFound()
    policy.require_contact_create(caller, project)
    return project


def create(caller: Caller, data: dict, project_ref=None) -> ContactRecord:
    """project_ref: contact[project_id], else the path's project, else the top-level one."""
    definitions = field_rules.defined("contact")
    project = creation_project(caller, project_ref)
    try:
        draft = parse(caller, data, definitions, creating=True)
    except Invalid as error:
        if project is None and not data.get("project_ids"):
            error.messages.insert(0, "Project cannot be blank")
        raise
    if project is None and not draft.values.get("project_ids"):
        raise Invalid(["Project cannot be blank"])
    policy.require_contact_create(caller, project, draft.values.get("project_ids", []))
    stamp = now()
    contact = ContactRecord(*ContactRecord.key(0), id=0, version=1, first_name="",
                            author_id=caller.id, visibility=0, created_on=stamp, updated_on=stamp)
    _apply(contact, draft, extra_projects=[int(project.id)] if project else [])
    _check_state(caller, contact, definitions, creating=True)
    defaults = {str(int(d.id)): d.default_value for d in definitions
                if d.default_value and str(int(d.id)) not in (contact.custom_values or {})}
    if defaults:
        contact.custom_values = dict(contact.custom_values or {}, **defaults)
    _canonical_tags(caller, draft)
    contact.tags = draft.values.get("tags", [])
    avatar = avatars.claimable(caller, draft.avatar_token) if draft.avatar_token else None
    contact.id = next_id("contact")
    contact.pk, contact.sk = ContactRecord.key(contact.id)
    extra = []
    if avatar is not None:
        contact.avatar_id = int(avatar.id)
        extra.append(("claim", avatars.claim(avatar, contact.id)))
    _save(contact, None, extra)
    return contact


# ------------------------------------------------------------------ update

def update(caller: Caller, contact_id, data: dict) -> ContactRecord:
    definitions = field_rules.defined("contact")
    contact = find(caller, contact_id, "edit_contacts")
    draft = parse(caller, data, definitions, creating=False)
    if "project_ids" in draft.values:
        requested = draft.values.pop("project_ids")
        policy.project_set(caller, contact.project_ids, requested)   # refuses what it may not change
        draft.project_ids = requested
    _canonical_tags(caller, draft)
    if not draft.avatar_token:
        return _write(caller, contact, definitions, lambda c: _apply(c, draft, caller=caller))
    avatar = avatars.claimable(caller, draft.avatar_token)
    claimed = avatars.claim(avatar, contact.id)
    replaced = []

    def change(c):
        _apply(c, draft, caller=caller)
        old = avatars.stored(c.avatar_id) if c.avatar_id and int(c.avatar_id) != int(avatar.id) else None
        replaced[:] = [old] if old else []
        c.avatar_id = int(avatar.id)
        return [("claim", claimed)] + [("delete", old) for old in replaced]
    contact = _write(caller, contact, definitions, change)
    for old in replaced:
        avatars.discard_file(old)
    return contact


def _write(caller: Caller, contact: ContactRecord, definitions: list, change) -> ContactRecord:
    """Apply `change` to the contact and save it; on a concurrent write, reload and apply again.
    `change` may return ("put" | "delete" | "claim", item) pairs written in the same transaction."""
    def write(c, previous):
        extra = change(c) or []
        c.updated_on = now()
        _check_state(caller, c, definitions, creating=False, previous=previous)
        _save(c, previous, extra)
        return c, previous

    contact, previous = versioned(contact, write, lambda: find(caller, contact.id, "edit_contacts"))
    if previous.is_company and contact.is_company and contact.first_name != previous.first_name:
        rename_company_people(caller, previous.first_name, contact.first_name)
    return contact


def rename_company_people(caller: Caller, old_name: str, new_name: str) -> int:
    """People whose company was the old name follow the rename where the caller may edit them,
    in batches of RENAME_BATCH; the others keep their text. The company's stream is read once,
    so index lag can never make this loop."""
    people = [entry.contact_id for entry in store.read_stream(store.company_stream(old_name))
              if policy.follows_rename(caller, entry)]
    moved = 0
    for start in range(0, len(people), RENAME_BATCH):
        for person in store.get_many(people[start:start + RENAME_BATCH]).values():
            moved += _follow_rename(caller, person, old_name, new_name)
    return moved


def _follow_rename(caller: Caller, person, old_name: str, new_name: str) -> int:
    def write(p, previous):
        if store.fold(p.company) != store.fold(old_name) or not policy.follows_rename(caller, p):
            return 0
        p.company = new_name
        p.updated_on = now()
        store.save(p, previous)
        return 1

    try:
        return versions.optimistic(person, write, lambda: store.get(person.id))
    except versions.VersionConflict:
        return 0          # gone, or changed by others every time: it keeps its text


# ------------------------------------------------------------------ delete and links

def delete(caller: Caller, contact_id) -> None:
    """The contact with its entries, counters, notes, tickets and avatar record in one
    transaction (its notes and tickets first when there are too many for one), then the
    avatar's file."""
    def write(contact, previous):
        avatar = avatars.stored(contact.avatar_id)
        avatar_record = [("delete", avatar)] if avatar else []
        try:
            store.remove(previous, attached.deletes_under(contact.pk) + avatar_record)
        except versions.TooManyChanges:
            attached.remove_under(contact.pk)
            store.remove(previous, avatar_record)
        return avatar

    contact = find(caller, contact_id, "delete_contacts")
    avatar = versioned(contact, write, lambda: find(caller, contact_id, "delete_contacts"))
    if avatar is not None:
        avatars.discard_file(avatar)
    _follow_visibility(contact.id, None)   # its deals hide behind nothing now (its tickets went with it)


def create_many(caller: Caller, bodies: list, project_ref=None) -> tuple:
    """Contacts created one by one from create bodies (a vCard import), each through every
    rule of a create: ([created contacts], [(position from 1, [messages])] of those refused).
    A body given as an exception is refused with its message. The project is checked once,
    before any is written."""
    creation_project(caller, project_ref)
    created, refused = [], []
    for position, body in enumerate(bodies, start=1):
        if isinstance(body, Exception):
            refused.append((position, [str(body)]))
            continue
        try:
            created.append(create(caller, body, project_ref))
        except Invalid as error:
            refused.append((position, list(error.messages)))
    return created, refused


def deleted(caller: Caller, params: dict) -> list:
    """The tombstones of contacts deleted since `since` (every kept one without) that the
    caller may know of, oldest first: what an incremental sync needs to mirror deletions."""
    policy.require_contact_list(caller)
    since = params.get("since")
    if since is not None and (not isinstance(since, str) or not since.strip()):
        raise Invalid(["Parameter since is invalid"])
    stamp = contact_lists.stamp(since, "since") if since else None
    found = [t for t in store.tombstones(stamp) if policy.sees_tombstone(caller, t.project_ids)]
    for tombstone in found:     # it names only the projects the caller sees
        shown = [caller.project(int(p)) for p in tombstone.project_ids]
        tombstone.project_ids = [int(p.id) for p in shown if p is not None and policy.sees_project(caller, p)]
    return found


def add_project(caller: Caller, contact_id, project_ref) -> None:
    contact = find(caller, contact_id)
    project = project_rules.find(caller, project_ref)
    policy.require_link(caller, contact, project)
    if int(project.id) in [int(p) for p in contact.project_ids]:
        return
    if len(contact.project_ids) >= MAX_PROJECTS:
        raise Invalid([f"Projects has too many entries (maximum is {MAX_PROJECTS})"])

    def link(c):
        if int(project.id) not in [int(p) for p in c.project_ids]:
            c.project_ids = [int(p) for p in c.project_ids] + [int(project.id)]
    _write(caller, contact, field_rules.defined("contact"), link)


def remove_project(caller: Caller, contact_id, project_ref) -> None:
    contact = find(caller, contact_id)
    project = project_rules.find(caller, project_ref)
    policy.require_unlink(caller, contact, project)
    if int(project.id) not in [int(p) for p in contact.project_ids]:
        return
    if len(contact.project_ids) == 1:
        raise Invalid(["A contact must belong to at least one project"])

    def unlink(c):
        c.project_ids = [int(p) for p in c.project_ids if int(p) != int(project.id)]
    _write(caller, contact, field_rules.defined("contact"), unlink)
