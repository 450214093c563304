"""Who sees what and who may change what (SPEC section 2), decided here and nowhere else.

`Caller` turns memberships, the Non member / Anonymous roles of public projects and admin
rights into "the permissions of this caller in this project". The functions below it answer
every question an endpoint, a renderer or a write asks: which projects, contacts, deals, notes,
tickets, attachments and tags a caller sees; which writes it may make on what, including the
side effects of a write (company renames, project links, tag spellings). Services raise the
errors; nothing outside this module looks at a permission name or a contact's visibility.

A caller loads the directory it needs lazily and at most once per request: its memberships
(one Query), the roles (one Query) and the projects (one Query).
"""
from functools import cached_property

from chalicelib.store import records

from .errors import Forbidden, NotFound, Unauthenticated

PERMISSIONS = (
    "view_contacts", "view_private_contacts", "add_contacts", "edit_contacts", "delete_contacts",
    "add_notes", "delete_notes", "delete_own_notes",
    "view_deals", "add_deals", "edit_deals", "delete_deals",
    "manage_contacts",
)
# What still works in a closed or (for admins) archived project.
READ_PERMISSIONS = frozenset({"view_contacts", "view_private_contacts", "view_deals"})

NON_MEMBER, ANONYMOUS = 1, 2            # RoleRecord.builtin
ACTIVE, CLOSED, ARCHIVED = 1, 5, 9      # ProjectRecord.status
PROJECT_STATUSES = (ACTIVE, CLOSED, ARCHIVED)
PROJECT, PUBLIC, PRIVATE = 0, 1, 2      # contact visibility
VISIBILITIES = (PROJECT, PUBLIC, PRIVATE)


class Caller:
    """The user a request acts for (None: anonymous) and its permissions per project."""

    form = None   # the web form whose key was used, for a FormCaller

    def __init__(self, user=None):
        self.user = user

    @property
    def anonymous(self) -> bool:
        return self.user is None

    @cached_property
    def admin(self) -> bool:       # lists ask once per entry they read
        return self.user is not None and bool(self.user.admin)

    @cached_property
    def id(self):
        return None if self.user is None else int(self.user.id)

    # ------------------------------------------------------------ directory, loaded once

    @cached_property
    def projects(self) -> dict:
        return {int(p.id): p for p in records.all_projects()}

    @cached_property
    def roles(self) -> dict:
        return {int(r.id): r for r in records.all_roles()}

    @cached_property
    def memberships(self) -> dict:
        if self.user is None:
            return {}
        return {int(m.project_id): [int(r) for r in m.role_ids]
                for m in records.memberships_of_user(int(self.user.id))}

    def project(self, project_id):
        try:
            return self.projects.get(int(project_id))
        except (TypeError, ValueError, OverflowError):
            return None

    # ------------------------------------------------------------ the membership rule

    def _role_permissions(self, role_ids) -> set:
        granted = set()
        for role_id in role_ids:
            role = self.roles.get(role_id)
            if role is not None:
                granted.update(role.permissions or [])
        return granted

    def _builtin_role_ids(self, builtin: int) -> list:
        return [role_id for role_id, role in self.roles.items() if int(role.builtin or 0) == builtin]

    def permissions_in(self, project) -> frozenset:
        """Every permission this caller has in `project` (a ProjectRecord)."""
        if project is None:
            return frozenset()
        status = int(project.status)
        if self.admin:
            granted = set(PERMISSIONS)
        elif status == ARCHIVED:
            return frozenset()
        elif int(project.id) in self.memberships:
            granted = self._role_permissions(self.memberships[int(project.id)])
        elif project.is_public:
            builtin = ANONYMOUS if self.anonymous else NON_MEMBER
            granted = self._role_permissions(self._builtin_role_ids(builtin))
        else:
            granted = set()
        if status != ACTIVE:
            granted &= READ_PERMISSIONS
        return frozenset(granted)

    def allowed(self, permission: str, project) -> bool:
        return permission in self.permissions_in(project)

    def allowed_in(self, permission: str, project_id) -> bool:
        return self.allowed(permission, self.project(project_id))

    def projects_with(self, permission: str) -> frozenset:
        """Ids of every project where the caller has `permission` (computed once per request)."""
        cache = self.__dict__.setdefault("_projects_with", {})
        if permission not in cache:
            cache[permission] = frozenset(pid for pid, project in self.projects.items()
                                          if self.allowed(permission, project))
        return cache[permission]

    def can_see_project(self, project) -> bool:
        if project is None:
            return False
        if self.admin:
            return True
        if int(project.status) == ARCHIVED:
            return False
        return bool(project.is_public) or int(project.id) in self.memberships

    # ------------------------------------------------------------ guards

    def require_login(self) -> None:
        if self.anonymous:
            raise Unauthenticated()

    def require_admin(self) -> None:
        self.require_login()
        if not self.admin:
            raise Forbidden()


class FormCaller(Caller):
    """A web form's key: it may create contacts in its own project, and nothing else."""

    def __init__(self, form):
        super().__init__(None)
        self.form = form

    @property
    def anonymous(self) -> bool:
        return False

    @property
    def memberships(self) -> dict:
        return {}

    def permissions_in(self, project) -> frozenset:
        if project is not None and int(project.id) == int(self.form.project_id) and int(project.status) == ACTIVE:
            return frozenset({"add_contacts"})
        return frozenset()

    def can_see_project(self, project) -> bool:
        return project is not None and int(project.id) == int(self.form.project_id)


def _require(condition: bool) -> None:
    if not condition:
        raise Forbidden()


# ================================================================== projects

def sees_project(caller: Caller, project) -> bool:
    return caller.can_see_project(project)


def visible_projects(caller: Caller) -> list:
    return [p for p in caller.projects.values() if caller.can_see_project(p)]


def require_manager(caller: Caller, project) -> None:
    """Web forms, memberships and deal categories of a project: admins, or manage_contacts."""
    caller.require_login()
    _require(caller.admin or caller.allowed("manage_contacts", project))


def may_switch_user(user) -> bool:
    """X-Redmine-Switch-User: only admins act as another user."""
    return user is not None and bool(user.admin)


def sees_account_of(caller: Caller, user) -> bool:
    """A user's admin flag and status: for admins and the user itself."""
    return caller.admin or (caller.id is not None and caller.id == int(user.id))


def require_user_read(caller: Caller, user_id) -> None:
    """A user document: admins, and every user its own."""
    if caller.id is None or str(caller.id) != str(user_id):
        caller.require_admin()


# ================================================================== contacts

def sees_every_contact(caller: Caller) -> bool:
    """Admins: lists may then read one stream and its counter instead of checking entries."""
    return caller.admin


def sees_contact(caller: Caller, contact) -> bool:
    """SPEC section 2 on a contact or one of its index entries."""
    if caller.admin:            # lists check every entry they read: the usual answers come first
        return True
    visibility = int(contact.visibility or 0)
    if visibility == PUBLIC:
        return bool(caller.projects_with("view_contacts"))
    # Decided once per bucket (visibility and projects) a request meets, not once per entry.
    decided = caller.__dict__.setdefault("_sees_bucket", {})
    bucket = (visibility, tuple(contact.project_ids))
    whole = decided.get(bucket)
    if whole is None:
        whole = decided[bucket] = sees_bucket(caller, visibility, {int(p) for p in contact.project_ids})
    return whole or sees_as_own(caller, contact)


def sees_bucket(caller: Caller, visibility: int, projects) -> bool:
    """Whether the caller sees every contact of this visibility in exactly these projects. The
    one other way to see a contact: a private one of the caller's own (sees_as_own)."""
    if caller.admin:
        return True
    viewing = caller.projects_with("view_contacts")
    if visibility == PUBLIC:
        return bool(viewing)
    if visibility != PRIVATE:
        return bool(projects & viewing)
    if caller.anonymous:
        return False
    return bool(projects & caller.projects_with("view_private_contacts"))


def sees_as_own(caller: Caller, contact) -> bool:
    """A private contact the caller wrote or is assigned, in a project where it views contacts."""
    if int(contact.visibility or 0) != PRIVATE or caller.anonymous or caller.id is None:
        return False
    own = caller.id in (contact.author_id, contact.assigned_to_id)
    return own and bool({int(p) for p in contact.project_ids} & caller.projects_with("view_contacts"))


def sees_tombstone(caller: Caller, project_ids) -> bool:
    """A deleted contact's id and projects: for whoever views contacts in one of its projects."""
    return caller.admin or bool({int(p) for p in project_ids} & caller.projects_with("view_contacts"))


def may_on_contact(caller: Caller, permission: str, contact) -> bool:
    """`permission` in one of the contact's projects, and the contact visible."""
    return sees_contact(caller, contact) and any(
        caller.allowed_in(permission, p) for p in contact.project_ids)


def require_contact(caller: Caller, contact, permission: str = None) -> None:
    """403 (401 when anonymous) unless the caller sees the contact (and may `permission` on it)."""
    _require(sees_contact(caller, contact))
    if permission:
        _require(may_on_contact(caller, permission, contact))


def require_contact_list(caller: Caller, project=None) -> None:
    if project is not None:
        _require(caller.allowed("view_contacts", project))
    else:
        _require(caller.admin or bool(caller.projects_with("view_contacts")))


def require_contact_create(caller: Caller, project=None, project_ids=()) -> None:
    """add_contacts in the project (or somewhere, when none is named yet) and in every listed one."""
    if project is not None:
        _require(caller.allowed("add_contacts", project))
    elif not project_ids:
        _require(bool(caller.projects_with("add_contacts")))
    for project_id in project_ids:
        _require(caller.allowed_in("add_contacts", project_id))


def may_set_author(caller: Caller) -> bool:
    return caller.admin


def project_set(caller: Caller, current, requested) -> list:
    """The projects a contact ends in when an edit asks for `requested` (projects the caller
    can see): each added one needs edit_contacts or add_contacts there, each removed one
    edit_contacts there; the projects the caller cannot see stay, unmentioned."""
    current = [int(p) for p in current]
    requested = [int(p) for p in requested]
    hidden = [p for p in current if not caller.can_see_project(caller.project(p))]
    for project_id in requested:
        if project_id not in current:
            _require(caller.allowed_in("edit_contacts", project_id)
                     or caller.allowed_in("add_contacts", project_id))
    for project_id in current:
        if project_id not in requested and project_id not in hidden:
            _require(caller.allowed_in("edit_contacts", project_id))
    return list(dict.fromkeys(requested + hidden))


def require_link(caller: Caller, contact, project) -> None:
    """Linking is an edit: edit_contacts on the contact (one of its projects) and in the target."""
    require_contact(caller, contact, "edit_contacts")
    _require(caller.allowed("edit_contacts", project))


def require_unlink(caller: Caller, contact, project) -> None:
    require_contact(caller, contact)
    _require(caller.allowed("edit_contacts", project))


def follows_rename(caller: Caller, person) -> bool:
    """A company rename carries over to a person only where the caller may edit the person."""
    return may_on_contact(caller, "edit_contacts", person)


def assignee_sees(user, contact) -> bool:
    """A contact's assignee must be an active user who sees it."""
    return user is not None and int(user.status) == ACTIVE and sees_contact(Caller(user), contact)


def sees_form_contacts(user, project_id) -> bool:
    """Whether a user would see what a web form of the project creates (visibility 0 there),
    as its assignee must."""
    return user is not None and int(user.status) == ACTIVE and \
        (bool(user.admin) or Caller(user).allowed_in("view_contacts", project_id))


# ================================================================== deals

def sees_deal(caller: Caller, deal, contact_entry) -> bool:
    """view_deals in the deal's project and its contact (if it still exists) visible."""
    if not caller.allowed_in("view_deals", deal.project_id):
        return False
    return contact_entry is None or sees_contact(caller, contact_entry)


def require_deal(caller: Caller, deal, contact_entry, permission: str = None) -> None:
    _require(sees_deal(caller, deal, contact_entry))
    if permission:
        _require(caller.allowed_in(permission, deal.project_id))


def deal_projects(caller: Caller, project=None, subprojects=()) -> set:
    """The projects a deal list reads: the named one with its subprojects, or every project
    where the caller may view deals."""
    if project is not None:
        _require(caller.allowed("view_deals", project))
        return {int(project.id), *(p for p in subprojects if caller.allowed_in("view_deals", p))}
    scope = set(caller.projects_with("view_deals"))
    _require(bool(scope))
    return scope


def require_deal_create(caller: Caller, project=None) -> None:
    _require(caller.allowed("add_deals", project) if project is not None
             else bool(caller.projects_with("add_deals")))


def deal_assignee_sees(user, deal, contact_entry) -> bool:
    """A deal's assignee must be an active user who sees the deal."""
    return user is not None and int(user.status) == ACTIVE and sees_deal(Caller(user), deal, contact_entry)


def require_deal_categories(caller: Caller, project) -> None:
    _require(caller.allowed("view_deals", project))


# ================================================================== notes and tickets

def require_note_create(caller: Caller, source_project_ids) -> None:
    _require(any(caller.allowed_in("add_notes", p) for p in source_project_ids))


def may_change_note(caller: Caller, note, source_project_ids) -> bool:
    if any(caller.allowed_in("delete_notes", p) for p in source_project_ids):
        return True
    own = caller.id is not None and note.author_id == caller.id
    return own and any(caller.allowed_in("delete_own_notes", p) for p in source_project_ids)


def require_ticket_write(caller: Caller, contact, project_id=None) -> None:
    """Tickets are part of their contact: writing one is an edit of the contact, and in the
    ticket's project when it names one."""
    require_contact(caller, contact, "edit_contacts")
    if project_id is not None:
        _require(caller.allowed_in("edit_contacts", project_id))


def ticket_projects(caller: Caller) -> list:
    """Projects whose tickets a list reads: a ticket shows when its contact does, and a public
    contact (or one linked elsewhere since) may sit in any project, so every project is read;
    the contacts then decide. The list needs what a contact list needs."""
    require_contact_list(caller)
    return sorted(caller.projects)


# ================================================================== uploads

def require_upload(caller: Caller) -> None:
    caller.require_login()
    _require(bool(caller.projects_with("add_contacts") or caller.projects_with("edit_contacts")))


def may_claim(caller: Caller, attachment) -> bool:
    """An unclaimed upload becomes an avatar only for whoever uploaded it (or an admin)."""
    return not attachment.contact_id and (caller.admin or (caller.id is not None and attachment.author_id == caller.id))


def require_attachment(caller: Caller, attachment, contact) -> None:
    """A claimed file: whoever sees its contact; an unclaimed one: its uploader (and admins)."""
    if attachment.contact_id:
        if contact is None:
            raise NotFound()
        require_contact(caller, contact)
    elif not (caller.admin or (caller.id is not None and attachment.author_id == caller.id)):
        caller.require_login()
        raise Forbidden()
