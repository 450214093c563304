"""What a handler gets: the request with its nested parameters, format, caller and route
arguments, plus the replies it returns."""
from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional
from urllib.parse import urlencode

from chalicelib import config

from .document import Array, Document
from .pagination import Page, page_from


@dataclass
class ApiRequest:
    method: str
    path: str
    headers: dict                 # lower-cased names
    query: dict                   # nested, from the query string
    body: dict = field(default_factory=dict)
    raw_body: bytes = b""
    fmt: str = "json"
    args: dict = field(default_factory=dict)
    caller: object = None
    base_url: str = ""
    client_address: str = ""

    @cached_property
    def params(self) -> dict:
        """Query and body merged; the body wins, as in Rails. Computed once, on first use: the
        edge sets the body before anything reads the parameters."""
        merged = dict(self.query)
        merged.update(self.body)
        return merged

    def header(self, name: str, default=None):
        return self.headers.get(name.lower(), default)

    def page(self, default_limit: int = None, max_limit: int = None) -> Page:
        if default_limit is None:
            return page_from(self.query)
        return page_from(self.query, default_limit, max_limit or default_limit)

    def url_with(self, **changes) -> str:
        """This request's own URL (its path and query) with some query parameters changed. An
        API key sent in the query is left out: credentials are never written into an answer."""
        pairs = [(k, v) for k, v in _flat(self.query) if k not in changes and k != "key"]
        pairs += [(k, str(v)) for k, v in changes.items()]
        return self.url(self.path) + ("?" + urlencode(pairs) if pairs else "")

    def includes(self) -> set:
        value = self.params.get("include")
        parts = value if isinstance(value, list) else [value]
        names = set()
        for part in parts:
            if isinstance(part, str):
                names.update(name.strip() for name in part.split(",") if name.strip())
        return names

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def nometa(self) -> bool:
        return str(self.query.get("nometa", "")).strip() in ("1", "true") or \
            str(self.header("x-redmine-nometa", "")).strip() == "1"


def _flat(query: dict, prefix: str = ""):
    """The query's (name, value) pairs again, nested names written as Rails does (a[b], a[])."""
    for name, value in query.items():
        key = f"{prefix}[{name}]" if prefix else name
        if isinstance(value, dict):
            yield from _flat(value, key)
        elif isinstance(value, list):
            yield from ((f"{key}[]", item) for item in value if isinstance(item, str))
        elif isinstance(value, str):
            yield key, value


@dataclass
class Reply:
    status: int
    document: Optional[Document] = None
    headers: dict = field(default_factory=dict)
    body: Optional[str] = None       # a finished body in its own format (a vCard), sent as it is


def text_reply(body: str, content_type: str, filename: str = None) -> Reply:
    headers = {"Content-Type": content_type}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Reply(200, None, headers, body)


def see_other(url: str) -> Reply:
    return Reply(303, None, {"Location": url})


def ok(document: Document) -> Reply:
    return Reply(200, document)


def created(document: Document, location: str) -> Reply:
    return Reply(201, document, {"Location": location})


def done() -> Reply:
    """Update, delete and link answers: 204, or 200 with an empty body for old clients."""
    return Reply(200 if config.UPDATE_STATUS_200 else 204)


def listing(root: str, item_name: str, items: list, page: Page, view) -> Reply:
    """A paginated list document: `view` renders each item of the requested page."""
    rows = [view(item) for item in page.slice(items)]
    return ok(Document(root, Array(item_name, rows), page.meta(len(items))))
