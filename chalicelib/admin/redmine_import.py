"""`contacts-admin import-redmine --url URL --key KEY`: a running Redmine CRM, read through its
REST API (the contract this service speaks), written here with its ids: users (by login),
projects (by identifier), custom field definitions, deal statuses and categories, contacts with
their avatars and notes, deals with theirs. Every record goes through the rules of a create or
an update; then its author and timestamps are set to the source's.

A second run updates what changed since (a record whose updated_on equals the source's is
left alone) and a run stopped half way goes on from its checkpoint with --resume (the
checkpoint is written after each page). Both wire variants real servers emit are read: the
documented `phone`, `email` and `tags` texts beside `phones/number`, `emails/address` and
`tag_list`, RFC 822 dates beside ISO ones, prices as strings or numbers, custom fields missing.
"""
import base64
import contextlib
import email.utils
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from chalicelib.services import avatars, custom_fields as field_rules, deal_statuses, projects as project_rules
from chalicelib.services import contacts as contact_rules, deals as deal_rules, notes as note_rules, users
from chalicelib.services import memberships as membership_rules, roles as role_rules
from chalicelib.services.errors import Forbidden, Invalid, NotFound, ServiceError
from chalicelib.store import contacts as contact_store, deals as deal_store, records
from chalicelib.store.crm import ContactRecord, DealRecord
from chalicelib.store.directory import ProjectRecord, UserRecord
from chalicelib.store.operations import keeping_id
from chalicelib.store.versions import optimistic

from .progress import Progress

PAGE = 100
LOCKED = 3


class SourceError(Exception):
    """The source answered something other than what was asked."""


class Source:
    """Reads of the source's REST API with its API key."""

    def __init__(self, url: str, key: str, timeout: float = 60):
        self.url, self.key, self.timeout = url.rstrip("/"), key, timeout

    def _open(self, path: str, params=None, accept="application/json"):
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        request = urllib.request.Request(self.url + path + query, headers={"X-Redmine-API-Key": self.key,
                                                                           "Accept": accept})
        for attempt in range(5):
            try:
                return urllib.request.urlopen(request, timeout=self.timeout)
            except urllib.error.HTTPError as error:
                if error.code in (429, 502, 503, 504) and attempt < 4:
                    time.sleep(float(error.headers.get("Retry-After") or 2 ** attempt))
                    continue
                raise SourceError(f"{path}: {error.code}") from None
        raise SourceError(path)

    def get(self, path: str, params=None):
        with self._open(path, params) as answer:
            return json.loads(answer.read() or b"null")

    def optional(self, path: str, params=None):
        """The document, or None when the source does not serve it to this key (403, 404)."""
        try:
            return self.get(path, params)
        except SourceError as error:
            if str(error).endswith((": 403", ": 404", ": 401")):
                return None
            raise

    def binary(self, path: str) -> bytes:
        """A file (an avatar): API gateways answer binary bodies only to clients that accept them."""
        with self._open(path, accept="image/png, image/jpeg, image/gif, image/webp, */*") as answer:
            return answer.read()

    def page(self, path: str, root: str, offset: int, params=None) -> tuple:
        """(items, total) of one page."""
        document = self.get(path, dict(params or {}, offset=offset, limit=PAGE)) or {}
        items = document.get(root) or []
        return items, int(document.get("total_count", offset + len(items)))

    def every(self, path: str, root: str, params=None) -> list:
        found, offset = [], 0
        while True:
            items, total = self.page(path, root, offset, params)
            found += items
            offset += len(items)
            if not items or offset >= total:
                return found


# ------------------------------------------------------------------ the wire variants

def stamp(value):
    """ISO 8601 (any offset) or RFC 822 → the stored form, UTC whole seconds; None as is."""
    if not value:
        return None
    import datetime
    text = str(value).strip()
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = email.utils.parsedate_to_datetime(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _texts(value, key) -> list:
    """[{key: v}, ...], a list of strings, or "a, b" text → [v, ...]."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    found = []
    for item in value:
        text = item.get(key) if isinstance(item, dict) else item
        if isinstance(text, str) and text.strip():
            found.append(text.strip())
    return found


def contact_fields(doc: dict) -> dict:
    """A source contact document, in either wire variant, as the canonical fields."""
    address = doc.get("address") or {}
    tags = doc.get("tag_list")
    if tags is None:
        tags = doc.get("tags")
    return {
        "id": int(doc["id"]), "is_company": bool(doc.get("is_company")),
        "first_name": doc.get("first_name") or "", "last_name": doc.get("last_name"),
        "middle_name": doc.get("middle_name"), "company": doc.get("company"), "website": doc.get("website"),
        "skype_name": doc.get("skype_name"), "birthday": doc.get("birthday"), "job_title": doc.get("job_title"),
        "background": doc.get("background"),
        "phones": _texts(doc.get("phones") if doc.get("phones") is not None else doc.get("phone"), "number"),
        "emails": _texts(doc.get("emails") if doc.get("emails") is not None else doc.get("email"), "address"),
        "tags": _texts(tags, "name"), "visibility": int(doc.get("visibility") or 0),
        "address": {"street1": address.get("street") or address.get("street1"), "street2": address.get("street2"),
                    "city": address.get("city"), "region": address.get("region"),
                    "postcode": address.get("postcode"), "country_code": address.get("country_code")},
        "project_ids": [int(p["id"]) for p in doc.get("projects") or []],
        "author_id": (doc.get("author") or {}).get("id"), "author_name": (doc.get("author") or {}).get("name"),
        "assigned_to_id": (doc.get("assigned_to") or {}).get("id"),
        "assigned_to_name": (doc.get("assigned_to") or {}).get("name"),
        "custom_fields": doc.get("custom_fields") or [],
        "avatar_id": (doc.get("avatar") or {}).get("attachment_id"),
        "notes": doc.get("notes") or [],
        "created_on": stamp(doc.get("created_on")), "updated_on": stamp(doc.get("updated_on")),
    }


def price(value):
    if value is None or value == "":
        return None
    return str(value)


# ------------------------------------------------------------------ the run

@dataclass
class Report:
    counts: dict = field(default_factory=dict)      # (kind, outcome) -> n
    failed: list = field(default_factory=list)      # (kind, source id, reason)

    def count(self, kind: str, outcome: str) -> None:
        self.counts[(kind, outcome)] = self.counts.get((kind, outcome), 0) + 1

    def fail(self, kind: str, source_id, reason: str) -> None:
        self.count(kind, "failed")
        self.failed.append((kind, source_id, reason))

    def lines(self) -> list:
        kinds = sorted({kind for kind, _ in self.counts})
        found = [f"{kind}: " + ", ".join(f"{outcome} {self.counts[(kind, outcome)]}"
                                         for outcome in ("imported", "updated", "deleted", "skipped", "failed")
                                         if (kind, outcome) in self.counts) for kind in kinds]
        return found + [f"failed {kind} {source_id}: {reason}" for kind, source_id, reason in self.failed]


class Checkpoint:
    """Where a run is: written after each page, read back by --resume."""

    def __init__(self, path: str, resume: bool):
        self.path = path
        self.state = {}
        if resume and os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                self.state = json.load(handle)

    def offset(self, phase: str) -> int:
        return int(self.state.get(phase, 0))

    def done(self, phase: str, offset: int) -> None:
        self.state[phase] = offset
        with open(self.path + ".tmp", "w", encoding="utf-8") as handle:
            json.dump(self.state, handle)
        os.replace(self.path + ".tmp", self.path)


class Importer:
    def __init__(self, caller, source: Source, projects=None, since=None, dry_run=False,
                 checkpoint: Checkpoint = None, progress_stream=None, stop_after_pages=None):
        self.caller, self.source, self.since, self.dry_run = caller, source, stamp(since), dry_run
        self.wanted_projects = set(projects or [])
        self.checkpoint = checkpoint or Checkpoint(os.devnull, False)
        self.progress_stream = progress_stream
        self.report = Report()
        self.users, self.fields, self.statuses, self.categories = {}, {}, {}, {}
        self.project_map = {}                       # source project id -> local id
        self.statuses_later = []                    # (project, status): closed ones close at the end
        self.pages_left = stop_after_pages          # tests stop a run half way with it

    # -------------------------------------------------------------- directory

    def run(self) -> Report:
        self.import_users()
        self.import_projects()
        self.import_memberships()
        self.import_fields()
        self.import_statuses()
        self.import_contacts()
        self.import_deals()
        self.mirror_deletions()
        for project, status in self.statuses_later:
            records.update_fields(project, {"status": status})
        return self.report

    def mirror_deletions(self) -> None:
        """With --since, the contacts the source deleted since then go here too, when the source
        keeps tombstones (this service does: GET /contacts/deleted; the plugin does not)."""
        if not self.since or self.source.optional("/contacts/deleted.json", {"since": self.since, "limit": 1}) is None:
            return
        for doc in self.source.every("/contacts/deleted.json", "deleted_contacts", {"since": self.since}):
            if contact_store.get(int(doc["id"])) is None:
                continue
            if not self.dry_run:
                try:
                    contact_rules.delete(self.caller, int(doc["id"]))
                except (Forbidden, NotFound) as error:
                    self.report.fail("contact", doc["id"], _reason(error))
                    continue
            self.report.count("contact", "deleted")

    def import_users(self) -> None:
        for doc in self.source.every("/users.json", "users", {"status": ""}) \
                if self.source.optional("/users.json", {"limit": 1}) is not None else []:
            self.user_for(doc["id"], f"{doc.get('firstname', '')} {doc.get('lastname', '')}".strip(), doc)

    def user_for(self, source_id, name: str, doc=None):
        """The local user of a source user: by login, else created with the source's id (locked
        when the source does not list it)."""
        if not source_id:
            return None
        source_id = int(source_id)
        if source_id in self.users:
            return self.users[source_id]
        login = (doc or {}).get("login") or f"imported-{source_id}"
        local = users.by_login(login)
        if local is None and not self.dry_run:
            first, _, last = (name or login).partition(" ")
            data = {"login": login, "firstname": (doc or {}).get("firstname") or first or login,
                    "lastname": (doc or {}).get("lastname") or last or "-",
                    "mail": (doc or {}).get("mail") or f"{login}@imported.invalid",
                    "password": base64.urlsafe_b64encode(os.urandom(24)).decode()}
            try:
                with _kept_record(UserRecord, source_id):
                    local, _key = users.create_account(data, admin=False)
            except Invalid as error:
                self.report.fail("user", source_id, "; ".join(error.messages))
                self.users[source_id] = None
                return None
            status = int((doc or {}).get("status") or LOCKED) if doc else LOCKED
            if status != int(local.status):
                records.update_fields(local, {"status": status})
            self.report.count("user", "imported")
        elif local is not None:
            self.report.count("user", "skipped")
        self.users[source_id] = int(local.id) if local is not None else None
        return self.users[source_id]

    def import_projects(self) -> None:
        sources = sorted(self.source.every("/projects.json", "projects"), key=lambda p: int(p["id"]))
        for doc in sources:
            if self.wanted_projects and doc["identifier"] not in self.wanted_projects:
                continue
            local = project_rules.resolve(self.caller, doc["identifier"])
            if local is None and not self.dry_run:
                data = {"name": doc["name"], "identifier": doc["identifier"], "description": doc.get("description"),
                        "is_public": doc.get("is_public", True)}
                parent = (doc.get("parent") or {}).get("id")
                if parent and int(parent) in self.project_map:
                    data["parent_id"] = self.project_map[int(parent)]
                with _kept_record(ProjectRecord, int(doc["id"])):
                    local = project_rules.create(self.caller, data)
                records.update_fields(local, {"created_on": stamp(doc.get("created_on")) or local.created_on,
                                              "updated_on": stamp(doc.get("updated_on")) or local.updated_on})
                if int(doc.get("status") or 1) != 1:      # closed or archived once its data is in
                    self.statuses_later.append((local, int(doc["status"])))
                self.report.count("project", "imported")
            elif local is not None:
                self.report.count("project", "skipped")
            if local is not None:
                self.project_map[int(doc["id"])] = int(local.id)
            elif self.dry_run:
                self.report.count("project", "imported")
                self.project_map[int(doc["id"])] = int(doc["id"])      # as it would be: ids are kept
        self.caller.__dict__.pop("projects", None)      # the caller sees the new projects

    def _role(self, source_role: dict):
        """The local role of a source role, by name (created with the source's permissions when
        missing)."""
        local = next((r for r in role_rules.listed(self.caller) if r.name == source_role.get("name")), None)
        if local is None and not self.dry_run:
            shown = self.source.optional(f"/roles/{int(source_role['id'])}.json") or {}
            permissions = (shown.get("role") or {}).get("permissions") or []
            local = role_rules.create(self.caller, {"name": source_role["name"], "permissions": permissions})
            self.report.count("role", "imported")
        return local

    def import_memberships(self) -> None:
        """Who is a member of the imported projects with which roles (what an assignee must be
        to see the contacts it is given)."""
        for source_id, project_id in sorted(self.project_map.items()):
            listed = self.source.optional(f"/projects/{source_id}/memberships.json", {"limit": 1})
            if listed is None:
                continue
            here = {int(m.user_id) for m in membership_rules.of_project(self.caller, project_id)[1]} \
                if not self.dry_run else set()
            for doc in self.source.every(f"/projects/{source_id}/memberships.json", "memberships"):
                user = self.user_for((doc.get("user") or {}).get("id"), (doc.get("user") or {}).get("name"))
                if user is None or user in here:
                    self.report.count("membership", "skipped")
                    continue
                roles = [self._role(r) for r in doc.get("roles") or []]
                if self.dry_run:
                    continue
                try:
                    membership_rules.create(self.caller, project_id, {"user_id": user,
                                                                       "role_ids": [int(r.id) for r in roles if r]})
                    self.report.count("membership", "imported")
                except Invalid as error:
                    self.report.fail("membership", doc.get("id"), "; ".join(error.messages))

    def import_fields(self) -> None:
        for doc in sorted(self.source.optional("/custom_fields.json", {"limit": 100}) and
                          self.source.every("/custom_fields.json", "custom_fields") or [], key=lambda d: int(d["id"])):
            kind = doc.get("customized_type") or "contact"
            local = next((d for d in field_rules.defined(kind) if d.name == doc["name"]), None)
            if local is None and not self.dry_run:
                data = {k: doc.get(k) for k in ("name", "customized_type", "field_format", "regexp", "min_length",
                                                "max_length", "is_required", "multiple", "default_value")}
                data["possible_values"] = [v.get("value") if isinstance(v, dict) else v
                                           for v in doc.get("possible_values") or []]
                try:
                    with _kept_record(field_rules.CustomFieldRecord, int(doc["id"])):
                        local = field_rules.create(self.caller, data)
                    self.report.count("custom field", "imported")
                except Invalid as error:
                    self.report.fail("custom field", doc["id"], "; ".join(error.messages))
            if local is not None:
                self.fields[(kind, int(doc["id"]))] = int(local.id)
                self.fields[(kind, doc["name"])] = int(local.id)

    def import_statuses(self) -> None:
        for doc in sorted(self.source.optional("/deal_statuses.json") and
                          self.source.every("/deal_statuses.json", "deal_statuses") or [], key=lambda d: int(d["id"])):
            local = next((s for s in deal_statuses.statuses() if s.name == doc["name"]), None)
            if local is None and not self.dry_run:
                with _kept_record(deal_statuses.DealStatusRecord, int(doc["id"])):
                    local = deal_statuses.create_status(self.caller, {
                        "name": doc["name"], "is_closed": doc.get("is_closed", False)})
                self.report.count("deal status", "imported")
            if local is not None:
                self.statuses[int(doc["id"])] = int(local.id)

    # -------------------------------------------------------------- contacts and deals

    def _pages(self, phase: str, path: str, root: str, handle) -> None:
        params = {"sort": "id"} if root == "contacts" else {}
        if self.since and root == "contacts":
            params["updated_on"] = ">=" + self.since
        offset = self.checkpoint.offset(phase)
        progress = Progress(phase, stream=self.progress_stream)
        while True:
            items, total = self.source.page(path, root, offset, params)
            progress.total = total
            for item in items:
                handle(item)
                progress.advance()
            offset += len(items)
            if not self.dry_run:
                self.checkpoint.done(phase, offset)
            if self.pages_left is not None:
                self.pages_left -= 1
                if self.pages_left <= 0:
                    raise Interrupted(phase, offset)
            if not items or offset >= total:
                break
        progress.finish()

    def import_contacts(self) -> None:
        self._pages("contacts", "/contacts.json", "contacts", self._contact)

    def _contact(self, row: dict) -> None:
        try:
            known = contact_store.get(int(row["id"]))
            if known is not None and known.updated_on == stamp(row.get("updated_on")):
                self.report.count("contact", "skipped")      # unchanged: its show is not read
                return
            doc = self.source.get(f"/contacts/{int(row['id'])}.json", {"include": "notes"})["contact"]
            fields = contact_fields(doc)
            projects = [self.project_map[p] for p in fields["project_ids"] if p in self.project_map]
            if not projects:
                self.report.count("contact", "skipped")
                return
            existing = contact_store.get(fields["id"])
            if existing is not None and existing.updated_on == fields["updated_on"]:
                self.report.count("contact", "skipped")
                return
            if self.dry_run:
                self.report.count("contact", "updated" if existing else "imported")
                return
            self._write_contact(fields, projects, existing)
            self.report.count("contact", "updated" if existing else "imported")
        except (ServiceError, SourceError, ValueError, KeyError) as error:
            self.report.fail("contact", row.get("id"), _reason(error))

    def _write_contact(self, fields: dict, projects: list, existing) -> None:
        body = {k: fields[k] for k in ("is_company", "first_name", "last_name", "middle_name", "company", "website",
                                       "skype_name", "birthday", "job_title", "background", "phones", "emails",
                                       "visibility")}
        body["tag_list"] = fields["tags"]
        body["project_ids"] = projects
        body["address_attributes"] = fields["address"]
        body["assigned_to_id"] = self.user_for(fields["assigned_to_id"], fields["assigned_to_name"])
        body["custom_fields"] = [{"id": self.fields[("contact", int(c["id"]))], "value": c.get("value")}
                                 for c in fields["custom_fields"] if ("contact", int(c["id"])) in self.fields]
        if fields["avatar_id"] and (existing is None or not existing.avatar_id):
            try:
                content = self.source.binary(f"/attachments/{int(fields['avatar_id'])}")
                with _kept("attachment", int(fields["avatar_id"]), avatars.stored(int(fields["avatar_id"])) is None):
                    body["avatar"] = {"token": avatars.upload(self.caller, content, daily_quota=False).token}
            except (SourceError, Invalid) as error:      # the contact comes without it
                self.report.fail("avatar", fields["avatar_id"], _reason(error))
        if existing is None:
            with keeping_id("contact", fields["id"]):
                contact = contact_rules.create(self.caller, body, projects[0])
        else:
            contact = contact_rules.update(self.caller, fields["id"], body)
        for note in fields["notes"]:
            self._note(note, "Contact", int(contact.id))
        self._stamped(ContactRecord, fields["id"], self.user_for(fields["author_id"], fields["author_name"]),
                      fields["created_on"], fields["updated_on"])

    def _stamped(self, model, record_id: int, author_id, created_on, updated_on) -> None:
        """The record as the source wrote it: its author and timestamps (a versioned save)."""
        store = contact_store if model is ContactRecord else deal_store

        def write(record, previous):
            record.author_id = author_id if author_id is not None else record.author_id
            record.created_on, record.updated_on = created_on or record.created_on, updated_on or record.updated_on
            store.save(record, previous)
        optimistic(store.get(record_id), write, lambda: store.get(record_id))

    def _note(self, doc: dict, kind: str, owner_id: int) -> None:
        note_id = int(doc["id"])
        if "subject" not in doc:          # an include's summary: the note's own document says all
            doc = (self.source.optional(f"/notes/{note_id}.json") or {}).get("note") or doc
        existing = note_rules.store.get(note_id)
        stamps = {"created_on": stamp(doc.get("created_on")), "updated_on": stamp(doc.get("updated_on"))}
        if existing is not None:
            if existing.updated_on == stamps["updated_on"]:
                return
            note_rules.update(self.caller, note_id, {"content": doc.get("content"), "subject": doc.get("subject"),
                                                     "type_id": doc.get("type_id")})
        else:
            with keeping_id("note", note_id):
                note_rules.create(self.caller, {"content": doc.get("content") or "-", "subject": doc.get("subject"),
                                                "type_id": doc.get("type_id")}, kind, owner_id)
        note = note_rules.store.get(note_id)
        author = (doc.get("author") or {})
        note.author_id = self.user_for(author.get("id"), author.get("name"))
        note.created_on, note.updated_on = stamps["created_on"] or note.created_on, stamps["updated_on"] or note.updated_on
        records.put(note)
        self.report.count("note", "updated" if existing else "imported")

    def import_deals(self) -> None:
        if self.source.optional("/deals.json", {"limit": 1}) is None:
            return          # a source without deals
        self._pages("deals", "/deals.json", "deals", self._deal)

    def _deal(self, row: dict) -> None:
        try:
            known = deal_store.get(int(row["id"]))
            if known is not None and known.updated_on == stamp(row.get("updated_on")):
                self.report.count("deal", "skipped")
                return
            doc = self.source.get(f"/deals/{int(row['id'])}.json", {"include": "notes"})["deal"]
            project = self.project_map.get(int((doc.get("project") or {}).get("id") or 0))
            if project is None:
                self.report.count("deal", "skipped")
                return
            existing = deal_store.get(int(doc["id"]))
            if existing is not None and existing.updated_on == stamp(doc.get("updated_on")):
                self.report.count("deal", "skipped")
                return
            if self.dry_run:
                self.report.count("deal", "updated" if existing else "imported")
                return
            body = {"name": doc.get("name") or "-", "price": price(doc.get("price")), "currency": doc.get("currency"),
                    "price_type": doc.get("price_type"), "probability": doc.get("probability"),
                    "due_date": doc.get("due_date"), "background": doc.get("background"), "project_id": project,
                    "contact_id": (doc.get("contact") or {}).get("id"),
                    "related_contact_ids": [int(c["id"]) for c in doc.get("related_contacts") or []],
                    "status_id": self.statuses.get(int((doc.get("status") or {}).get("id") or 0)),
                    "assigned_to_id": self.user_for((doc.get("assigned_to") or {}).get("id"),
                                                    (doc.get("assigned_to") or {}).get("name")),
                    "custom_fields": [{"id": self.fields[("deal", int(c["id"]))], "value": c.get("value")}
                                      for c in doc.get("custom_fields") or [] if ("deal", int(c["id"])) in self.fields]}
            if existing is None:
                with keeping_id("deal", int(doc["id"])):
                    deal_rules.create(self.caller, body, project)
            else:
                deal_rules.update(self.caller, int(doc["id"]), body)
            for note in doc.get("notes") or []:
                self._note(note, "Deal", int(doc["id"]))
            author = doc.get("author") or {}
            self._stamped(DealRecord, int(doc["id"]), self.user_for(author.get("id"), author.get("name")),
                          stamp(doc.get("created_on")), stamp(doc.get("updated_on")))
            self.report.count("deal", "updated" if existing else "imported")
        except (ServiceError, SourceError, ValueError, KeyError) as error:
            self.report.fail("deal", row.get("id"), _reason(error))


class Interrupted(Exception):
    """A run stopped on purpose after some pages (tests)."""


def _reason(error) -> str:
    return "; ".join(getattr(error, "messages", None) or [str(error) or type(error).__name__])


def _kept(kind: str, wanted: int, free: bool):
    """Within the block, the next id of `kind` is the source's, when it is free here."""
    return keeping_id(kind, wanted) if free else contextlib.nullcontext()


def _kept_record(model, wanted: int):
    return _kept(model.KIND, wanted, records.get(model, int(wanted)) is None)

