"""What a fresh deployment starts with: the five default roles (SPEC section 2), created once
and never recreated after an admin changed or removed them."""
from pynamodb.exceptions import PutError

from chalicelib.store import records
from chalicelib.store.directory import Marker, RoleRecord
from chalicelib.store.operations import now

from .permissions import ANONYMOUS, NON_MEMBER, PERMISSIONS
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


def ensure_defaults() -> bool:
    """Create the default roles unless done before; True when they were created now."""
    marker = Marker("marker", "defaults", created_on=now())
    try:
        marker.save(condition=Marker.pk.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    for name, permissions, builtin, position in DEFAULT_ROLES:
        if records.find_lookup("role_name", name.lower()):
            continue
        role = save_new(name, permissions, builtin=builtin)
        role.position = position
        role.save()
    return True


__all__ = ["ensure_defaults", "DEFAULT_ROLES", "RoleRecord"]
