"""The API's resources, one module and one route table each."""
from chalicelib.web.routing import Router

from . import (contacts, custom_fields, deals, memberships, notes, projects, reference, roles, tags, tickets,
               uploads, users, web_forms)

ROUTE_TABLES = [contacts.routes, projects.routes, users.routes, roles.routes, memberships.routes,
                custom_fields.routes, web_forms.routes, tags.routes, notes.routes, tickets.routes, deals.routes,
                uploads.routes, reference.routes]
_router = []


def router() -> Router:
    """The one router of every route table."""
    if not _router:
        _router.append(Router(ROUTE_TABLES))
    return _router[0]
