"""What the OpenAPI document says of one operation, declared beside its handler:

    @documented(Operation("List contacts", "Contacts", response="ContactList", query=CONTACT_FILTERS))

Paths, path parameters, methods and formats come from the route tables themselves; the
schemas the names refer to live in `chalicelib.api.schemas`. `chalicelib.web.openapi` builds
the document from both, on first request.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    """A query parameter: its name, JSON Schema and meaning."""
    name: str
    schema: dict
    description: str = ""


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    response: str = None          # schema of the success document (None: the success has no body)
    status: int = 200             # the success status (204 answers have no body)
    request: str = None           # schema of the JSON body
    query: tuple = ()             # Param, besides the paging ones of lists
    listing: bool = False         # takes offset, limit, page and nometa
    public: bool = False          # needs no credentials
    description: str = ""
    path: tuple = ()              # Param: path parameters other than ids and project ids
    request_media: str = "application/json"   # the body's media type (a JSON schema only for JSON)
    variants: tuple = ()          # ((format, Operation), ...): what the route does in another format


def documented(operation: Operation):
    """Attach `operation` to a handler (every route of the handler shares it)."""
    def mark(handler):
        handler.operation = operation
        return handler
    return mark
