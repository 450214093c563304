"""Deals (SPEC section 6): a deal belongs to a project, may name a contact and related
contacts, and is visible to whoever has view_deals in its project and sees its contact.
Lists read the deal entries of the streams the caller may see and decide on them (each carries
its contact's visibility summary), so a list reads no contacts but those of its page; an
unfiltered one takes its total from the deal counters and reads about its page."""
import re
from decimal import Decimal, InvalidOperation

from chalicelib.store import attached
from chalicelib.store import contacts as contact_store
from chalicelib.store import deals as store
from chalicelib.store import records, versions
from chalicelib.store.crm import DealRecord
from chalicelib.store.directory import DealCategoryRecord, UserRecord
from chalicelib.store.operations import next_id, now

from . import custom_fields as field_rules
from . import deal_statuses
from . import projects as project_rules
from . import validation as v
from . import contacts as contact_rules
from . import counted_lists
from . import policy
from .contacts import custom_values_sent
from .errors import Invalid, NotFound
from .policy import Caller
from .writes import versioned

NAME_MAX, TEXT_MAX, BACKGROUND_MAX, RELATED_MAX = 255, 255, 65536, 20


def price_text(value) -> str:
    """A decimal as the plugin renders it: "10000.0", "99.5"."""
    number = Decimal(value)
    if number == number.to_integral_value():
        return f"{int(number)}.0"
    return format(number.normalize(), "f")


def _contacts(deals) -> dict:
    """The deals' contacts as stored (what visibility is decided on), by id: not their index
    entries, which follow a contact a moment later. A contact that no longer exists hides
    nothing."""
    return contact_store.get_many({int(d.contact_id) for d in deals if d.contact_id})


def visible(caller: Caller, deals) -> list:
    deals = list(deals)
    contacts = _contacts(deals)
    return [d for d in deals
            if policy.sees_deal(caller, d, contacts.get(int(d.contact_id)) if d.contact_id else None)]


def find(caller: Caller, deal_id, permission: str = None) -> DealRecord:
    deal = store.get(deal_id) if v.is_id(deal_id) else None
    if deal is None:
        raise NotFound()
    contact = _contacts([deal]).get(int(deal.contact_id)) if deal.contact_id else None
    policy.require_deal(caller, deal, contact, permission)
    return deal


def of_contact(caller: Caller, contact) -> list:
    """Deals of the contact and deals that list it as related, visible ones, newest first."""
    entries = store.entries_in([store.contact_stream(contact.id)])
    found = store.get_many(e.deal_id for e in entries)
    return visible(caller, (found[int(e.deal_id)] for e in entries if int(e.deal_id) in found))


def visible_contacts(caller: Caller, contacts: dict) -> dict:
    """The contacts (by id) a deal may name to this caller: only those it sees."""
    return {contact_id: c for contact_id, c in contacts.items() if policy.sees_contact(caller, c)}


# ------------------------------------------------------------------ lists

def _filter_id(params: dict, name: str, caller: Caller):
    value = params.get(name)
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text == "me" and name == "assigned_to_id":
        return caller.id if caller.id is not None else -1
    if not v.is_id(text):
        raise Invalid([f"Parameter {name} is invalid"])
    return int(text)


def listed(caller: Caller, params: dict, page, path_project=None) -> tuple:
    """(total_count, the page's deals) of a deal list."""
    scope, filters = _scope(caller, params, path_project)
    if not any(f is not None for f in filters.values()):
        # The total from the projects' deal counters, the page a lazy merge of their streams.
        total, entries = _unfiltered(caller, scope, page.offset + page.limit)
    else:
        entries = _entries(caller, scope, **filters)
        total = len(entries)
    return total, page_of(caller, entries[page.offset:page.offset + page.limit])


def _unfiltered(caller: Caller, scope: set, wanted: int) -> tuple:
    """(total, first `wanted` entries) of every deal of the scope the caller sees: its total
    summed from the counters of the contact buckets it sees (whole, or as its own private
    contacts), the page merged from the projects' streams keeping what it sees."""
    return counted_lists.newest(caller, scope, wanted, store.newest_page, store.project_counts,
                                lambda e: policy.sees_deal(caller, e, contact_store.summary_view(e)))


def _scope(caller: Caller, params: dict, path_project=None) -> tuple:
    project_ref = path_project if path_project is not None else params.get("project_id")
    if project_ref not in (None, ""):
        project = project_rules.find(caller, project_ref)
        scope = policy.deal_projects(caller, project, project_rules.descendants(caller, int(project.id)))
    else:
        scope = policy.deal_projects(caller)
    contact_id = _filter_id(params, "contact_id", caller)
    if contact_id is not None:
        contact_rules.find(caller, contact_id)   # a hidden contact answers as its show would
    words = [contact_store.fold(w) for w in str(params.get("search") or "").split() if contact_store.fold(w)]
    return scope, {"contact_id": contact_id, "status_id": _filter_id(params, "status_id", caller),
                   "assigned": _filter_id(params, "assigned_to_id", caller), "words": words or None}


def _entries(caller: Caller, scope: set, contact_id, status_id, assigned, words) -> list:
    """Every entry the filters keep that the caller may see, newest first."""
    words = words or []
    streams = [store.contact_stream(contact_id)] if contact_id is not None else \
        [store.project_stream(p) for p in sorted(scope)]
    entries = [e for e in store.entries_in(streams)
               if int(e.project_id) in scope
               and (status_id is None or e.status_id == status_id)
               and (assigned is None or e.assigned_to_id == assigned)
               and all(w in (e.search or "") for w in words)]
    return [e for e in entries if policy.sees_deal(caller, e, contact_store.summary_view(e))]


def page_of(caller: Caller, shown) -> list:
    """The deals of a page's entries, visibility checked once more on their contacts as stored:
    an entry's summary may lag a change of its contact by a moment, and then the page is a deal
    short, never a deal too many."""
    found = store.get_many(e.deal_id for e in shown)
    deals = [found[int(e.deal_id)] for e in shown if int(e.deal_id) in found]
    contacts = _contacts(deals)
    for entry in shown:
        if entry.contact_id and entry.contact_summary != contact_store.visibility_summary(contacts.get(int(entry.contact_id))):
            store.follow_contact(entry.contact_id, contacts.get(int(entry.contact_id)))
    return [d for d in deals
            if policy.sees_deal(caller, d, contacts.get(int(d.contact_id)) if d.contact_id else None)]


# ------------------------------------------------------------------ writes

def _contact(caller: Caller, value, label: str, messages: v.Messages):
    number = v.integer(value.get("id") if isinstance(value, dict) else value, label, messages)
    if number is None:
        return None
    contact = contact_store.get(number)
    if contact is None or not policy.sees_contact(caller, contact):
        messages.invalid(label)
        return None
    return number


def _percentage(value, messages: v.Messages) -> None:
    if not 0 <= value <= 100:
        messages.add("Probability must be between 0 and 100")


# The plain attributes (the price is read between the name and the rest); statuses, categories,
# users, contacts and custom fields are rules in code.
FIELDS = (
    v.Field("name", "Name", required=True, max_length=NAME_MAX, on_create=True, empty_is_none=False),
    v.Field("currency", "Currency", max_length=TEXT_MAX),
    v.Field("price_type", "Price type", max_length=TEXT_MAX),
    v.Field("probability", "Probability", kind="integer", check=_percentage),
    v.Field("due_date", "Due date", kind="date"),
    v.Field("background", "Background", kind="long_text", max_length=BACKGROUND_MAX),
)


def _attributes(caller: Caller, data: dict, project_id: int, creating: bool, definitions: list) -> dict:
    messages = v.Messages()
    values = {}
    values.update(v.read_fields(data, FIELDS[:1], messages, creating))
    if "price" in data:
        raw = data.get("price")
        try:
            values["price"] = None if raw in (None, "") else price_text(Decimal(str(raw).strip()))
            if values["price"] and not Decimal(values["price"]).is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError, TypeError):
            messages.add("Price is not a number")
    values.update(v.read_fields(data, FIELDS[1:], messages, creating))
    if "status_id" in data or creating:
        status_id = v.as_integer(data.get("status_id")) if data.get("status_id") not in (None, "") \
            else (deal_statuses.default_status_id() if creating else None)
        if data.get("status_id") not in (None, "") and (status_id is None or records.get(
                deal_statuses.DealStatusRecord, status_id) is None):
            messages.not_included("Status")
        values["status_id"] = status_id
    if "category_id" in data:
        category_id = v.integer(data.get("category_id"), "Category", messages)
        category = records.get(DealCategoryRecord, category_id) if category_id else None
        if category_id and (category is None or int(category.project_id) != project_id):
            messages.invalid("Category")
        values["category_id"] = category_id
    if "assigned_to_id" in data:
        values["assigned_to_id"] = v.integer(data.get("assigned_to_id"), "Assignee", messages) \
            if not isinstance(data.get("assigned_to_id"), dict) else \
            v.integer(data["assigned_to_id"].get("id"), "Assignee", messages)
    if "contact_id" in data:
        values["contact_id"] = _contact(caller, data.get("contact_id"), "Contact", messages)
    if "related_contact_ids" in data:
        raw = data.get("related_contact_ids")
        if isinstance(raw, str):
            raw = [part for part in re.split(r"[,|\s]+", raw) if part]
        if raw is not None and not isinstance(raw, list):
            messages.invalid("Related contacts")
            raw = []
        related = [_contact(caller, item, "Related contacts", messages) for item in raw or []]
        values["related_contact_ids"] = list(dict.fromkeys(r for r in related if r))
        if len(values["related_contact_ids"]) > RELATED_MAX:
            messages.add(f"Related contacts has too many entries (maximum is {RELATED_MAX})")
    sent = custom_values_sent(data, definitions, messages)
    if sent is not None:
        values["custom_values"] = sent
    messages.raise_any()
    return values


def _merge_custom(deal, sent) -> None:
    merged = dict(deal.custom_values or {})
    merged.update(sent)
    deal.custom_values = {k: val for k, val in merged.items() if val not in (None, [], "")} or None


def create(caller: Caller, data: dict, project_ref) -> DealRecord:
    if project_ref in (None, ""):
        policy.require_deal_create(caller)
        raise Invalid(["Project cannot be blank"])
    project = project_rules.resolve(caller, project_ref) if isinstance(project_ref, (str, int)) else None
    if project is None or not policy.sees_project(caller, project):
        raise NotFound()
    policy.require_deal_create(caller, project)
    definitions = field_rules.defined("deal")
    values = _attributes(caller, data, int(project.id), True, definitions)
    sent = values.pop("custom_values", None)
    deal_id = next_id("deal")
    stamp = now()
    deal = DealRecord(*DealRecord.key(deal_id), id=deal_id, project_id=int(project.id), author_id=caller.id,
                      created_on=stamp, updated_on=stamp, **values)
    _merge_custom(deal, sent or {})
    _check_state(deal, definitions, check_assignee=bool(deal.assigned_to_id))
    store.save(deal)
    return deal


def _check_state(deal, definitions, check_assignee: bool) -> None:
    """Rules on the deal as it will be: required custom fields, an assignee who sees it."""
    messages = v.Messages()
    for d in definitions:
        if d.is_required and not (deal.custom_values or {}).get(str(int(d.id))):
            messages.blank(d.name)
    if check_assignee and deal.assigned_to_id:
        contact = _contacts([deal]).get(int(deal.contact_id)) if deal.contact_id else None
        if not policy.deal_assignee_sees(records.get(UserRecord, deal.assigned_to_id), deal, contact):
            messages.invalid("Assignee")
    messages.raise_any()


def update(caller: Caller, deal_id, data: dict) -> None:
    deal = find(caller, deal_id, "edit_deals")
    definitions = field_rules.defined("deal")
    values = _attributes(caller, data, int(deal.project_id), False, definitions)
    sent = values.pop("custom_values", None)

    def write(deal, previous):
        for key, value in values.items():
            setattr(deal, key, value)
        if sent is not None:
            _merge_custom(deal, sent)
        _check_state(deal, definitions, check_assignee="assigned_to_id" in values or "contact_id" in values)
        deal.updated_on = now()
        store.save(deal, previous)

    versioned(deal, write, lambda: find(caller, deal_id, "edit_deals"))


def delete(caller: Caller, deal_id) -> None:
    """The deal with its entries and notes in one transaction (the notes first when there are
    too many for one)."""
    def write(deal, previous):
        kinds = (attached.notes,)
        try:
            store.remove(previous, attached.deletes_under(deal.pk, kinds))
        except versions.TooManyChanges:
            attached.remove_under(deal.pk, kinds)
            store.remove(previous)

    versioned(find(caller, deal_id, "delete_deals"), write, lambda: find(caller, deal_id, "delete_deals"))


def status_in_use(status_id: int) -> bool:
    """Whether any deal has the status (reads the deal entries of every project)."""
    projects = [int(p.id) for p in records.all_projects()]
    return any(e.status_id == status_id for e in store.entries_in([store.project_stream(p) for p in projects]))
