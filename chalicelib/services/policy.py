"""Who may do what, where: "may this caller do P in project X" and "which projects give this
caller P", from memberships, the Non member / Anonymous roles of public projects, and admin.

A caller loads the directory it needs lazily and at most once per request: its memberships
(one Query), the roles (one Query) and the projects (one Query).
"""
from functools import cached_property

from chalicelib.store import records

from .errors import Forbidden, Unauthenticated

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


class Caller:
    """The user a request acts for (None: anonymous)."""

    form = None   # the web form whose key was used, for a FormCaller

    def __init__(self, user=None):
        self.user = user

    @property
    def anonymous(self) -> bool:
        return self.user is None

    @property
    def admin(self) -> bool:
        return self.user is not None and bool(self.user.admin)

    @property
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
        except (TypeError, ValueError):
            return None

    # ------------------------------------------------------------ rules

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

    def projects_with(self, permission: str) -> set:
        """Ids of every project where the caller has `permission`."""
        return {pid for pid, project in self.projects.items() if self.allowed(permission, project)}

    def allowed_anywhere(self, permission: str) -> bool:
        return any(self.allowed(permission, project) for project in self.projects.values())

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

    def require(self, permission: str, project) -> None:
        if not self.allowed(permission, project):
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
