"""The API's resources, one module and one route table each."""
from . import (contacts, custom_fields, deals, memberships, notes, projects, roles, tags, tickets, uploads,
               users, web_forms)

ROUTE_TABLES = [contacts.routes, projects.routes, users.routes, roles.routes, memberships.routes,
                custom_fields.routes, web_forms.routes, tags.routes, notes.routes, tickets.routes, deals.routes, uploads.routes]
