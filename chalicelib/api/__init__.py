"""The API's resources, one module and one route table each."""
from . import custom_fields, memberships, projects, roles, users

ROUTE_TABLES = [projects.routes, users.routes, roles.routes, memberships.routes,
                custom_fields.routes]
