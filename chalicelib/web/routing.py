"""Routes of the API, kept by each resource module in its own `Routes` table (the role a
Chalice blueprint would play), and the `Router` that matches a request against all of them.

Chalice sees only catch-all routes (see `edge`), so this router decides everything the
clients see: extensions (`/contacts/2.xml`), formats a resource serves (406 otherwise),
literal segments before parameters (`/users/current` before `/users/{id}`), and 404 for
unknown paths and for methods a path does not serve.
"""
from dataclasses import dataclass

from .errors import NotAcceptable, RouteNotFound
from .negotiation import split_extension

DEFAULT_FORMATS = ("json", "xml")


@dataclass(frozen=True)
class Route:
    method: str
    segments: tuple
    handler: object
    formats: tuple
    form_keys: bool = False          # a web form's key may call it (every other route answers it 403)
    raw_body: bool = False           # the body is handed over as bytes, never decoded
    max_body_bytes: int = None       # a limit of its own instead of the configured one

    def match(self, segments):
        if len(segments) != len(self.segments):
            return None
        args = {}
        for pattern, actual in zip(self.segments, segments, strict=True):
            if pattern.startswith("{"):
                if actual == "":
                    return None
                args[pattern[1:-1]] = actual
            elif pattern != actual:
                return None
        return args

    @property
    def specificity(self):
        return tuple(1 if s.startswith("{") else 0 for s in self.segments)


class Routes:
    """One resource's routes: `@routes.get("/projects/{id}")`."""

    def __init__(self):
        self.entries = []

    def route(self, methods, path, formats=DEFAULT_FORMATS, **options):
        """`options`: the Route's form_keys, raw_body, max_body_bytes."""
        segments = tuple(s for s in path.strip("/").split("/") if s)

        def register(handler):
            for method in methods:
                self.entries.append(Route(method, segments, handler, tuple(formats), **options))
            return handler
        return register

    def get(self, path, **kw):
        return self.route(["GET"], path, **kw)

    def post(self, path, **kw):
        return self.route(["POST"], path, **kw)

    def update(self, path, **kw):
        """An update: PUT, as Redmine's clients send it, or PATCH, as Rails also routes it."""
        return self.route(["PUT", "PATCH"], path, **kw)

    def delete(self, path, **kw):
        return self.route(["DELETE"], path, **kw)

    def options(self, path, **kw):
        return self.route(["OPTIONS"], path, **kw)


@dataclass
class Match:
    route: Route
    args: dict
    extension: object


class Router:
    def __init__(self, tables):
        entries = [entry for table in tables for entry in table.entries]
        self.routes = sorted(entries, key=lambda r: r.specificity)

    def resolve(self, method: str, path: str) -> Match:
        segments = [s for s in path.split("/") if s]
        method = "GET" if method == "HEAD" else method
        extension = None
        if segments:
            base, extension = split_extension(segments[-1])
            candidates = [(segments[:-1] + [base], extension), (segments, None)]
        else:
            candidates = [(segments, None)]
        for candidate, ext in candidates:
            matched = [(route, route.match(candidate)) for route in self.routes]
            matched = [(route, args) for route, args in matched if args is not None]
            if not matched:
                continue
            for route, args in matched:
                if route.method == method:
                    if ext is not None and ext not in route.formats:
                        raise NotAcceptable(f"Format {ext} is not served here")
                    return Match(route, args, ext)
            raise RouteNotFound()
        raise RouteNotFound()
