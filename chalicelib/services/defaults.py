"""What a fresh deployment starts with: the five default roles (SPEC section 2) and the deal
statuses Pending, Won and Lost, created once and never recreated after an admin changed or
removed them."""

from chalicelib.store import records, unique
from chalicelib.store.directory import Marker
from chalicelib.store.operations import now

from .policy import ANONYMOUS, NON_MEMBER, PERMISSIONS
from .deal_statuses import ensure_default_statuses
from .roles import save_new

DEVELOPER = ("view_contacts", "add_contacts", "edit_contacts", "add_notes", "view_deals")
REPORTER = ("view_contacts", "view_deals")

# (name, permissions, builtin, position)
DEFAULT_ROLES = (
    ("Non member", (), NON_MEMBER, 4),
    ("Anonymous", (), ANONYMOUS, 5),
    ("Manager", PERMISSIONS, 0, 1),
    ("Developer", DEVELOPER, 0, 2),
    ("Reporter", REPORTER, 0, 3),
)


def _first_time(name: str) -> bool:
    """True exactly once per deployment for each named set of defaults."""
    return unique.create_once(Marker("marker", name, created_on=now()))


def ensure_defaults() -> bool:
    """Create the default roles and deal statuses unless done before; True when the roles
    were created now. Never recreates what an admin changed or removed."""
    created = _first_time("defaults")
    if created:
        for name, permissions, builtin, position in DEFAULT_ROLES:
            if records.find_lookup("role_name", name.lower()):
                continue
            role = save_new(name, permissions, builtin=builtin)
            role.position = position
            records.put(role)
    if _first_time("deal_statuses"):
        ensure_default_statuses()
    return created

