"""The HTTP edge: one Chalice blueprint of catch-all routes that turns every request into
an ApiRequest, runs it through the router and the handler, and renders the reply or the
error in the negotiated format. Errors are mapped in `errors.failure_for`, nowhere else."""
import logging
import re
import time
from urllib.parse import unquote

from chalice import Blueprint, Response

from chalicelib import config
from chalicelib.store import meter

from . import access_log, form_posts
from .auth import caller_for
from .body import decode_body
from .document import CONTENT_TYPES, encode
from .errors import PayloadTooLarge, failure_for
from .form_posts import BODY_METHODS
from .negotiation import negotiate
from .params import nest
from .request import ApiRequest, Reply
from .routing import Router

log = logging.getLogger("contacts_api.requests")

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
MAX_DEPTH = 6


def _query(chalice_request) -> dict:
    params = chalice_request.query_params
    if not params:
        return {}
    pairs = []
    for name in params.keys():
        for value in params.getlist(name):
            pairs.append((name, value))
    return nest(pairs)


_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$")


def _base_url(chalice_request, headers: dict) -> str:
    """Where the URLs the API writes start: BASE_URL, else the gateway's own domain (with its
    stage), else the local server's address. A client's Host is never used, and a forwarded
    scheme only when it is http or https."""
    if config.BASE_URL:
        return config.BASE_URL.rstrip("/")
    context = chalice_request.context or {}
    domain, stage = context.get("domainName"), context.get("stage")
    if isinstance(domain, str) and _HOST.match(domain):
        prefix = f"/{stage}" if stage and ".execute-api." in domain and re.fullmatch(r"[\w-]{1,128}", stage) else ""
        return f"https://{domain}{prefix}"
    proto = (headers.get("x-forwarded-proto") or "").strip().lower()
    base = config.SERVER_URL
    if proto in ("http", "https"):
        base = proto + base[base.index(":"):]
    return base


def _answer_headers(request) -> dict:
    """Headers of every answer: never sniffed; not cached when a user is behind it; readable by
    the pages of a web form's allowed origins, errors and limits included."""
    headers = {"X-Content-Type-Options": "nosniff"}
    caller = getattr(request, "caller", None)
    if caller is not None and caller.user is not None:
        headers["Cache-Control"] = "no-store"
    headers.update(form_posts.cors_headers(request))
    return headers


def _render(status: int, fmt: str, document=None, headers=None, nometa=False, head=False, body=None) -> Response:
    headers = dict(headers or {})
    if fmt not in CONTENT_TYPES:   # a format with its own bodies (vCard): errors come as JSON
        fmt = "json"
    headers.setdefault("Content-Type", CONTENT_TYPES[fmt])
    body = body or ""
    if document is not None:
        body = encode(document.without_meta() if nometa else document, fmt)
    if head:
        body = ""
    return Response(body=body, status_code=status, headers=headers)


class Edge:
    def __init__(self, router: Router):
        self.router = router

    def handle(self, chalice_request, path: str) -> Response:
        started = time.perf_counter()
        with meter.measure() as cost:
            response = self._handle(chalice_request, path)
        access_log.record(chalice_request, path, response.status_code, started, cost)
        return response

    def _handle(self, chalice_request, path: str) -> Response:
        headers = {k.lower(): v for k, v in (chalice_request.headers or {}).items()}
        fmt, request = "json", None
        try:
            query = _query(chalice_request)
            match = self.router.resolve(chalice_request.method, path)
            format_param = query.get("format") if isinstance(query.get("format"), str) else None
            fmt = negotiate(match.extension, format_param, headers.get("accept"),
                            headers.get("content-type"), match.route.formats)
            identity = (chalice_request.context or {}).get("identity") or {}
            request = ApiRequest(method=chalice_request.method, path=path, headers=headers,
                                 query=query, fmt=fmt, args=match.args,
                                 base_url=_base_url(chalice_request, headers),
                                 client_address=identity.get("sourceIp") or "")
            if chalice_request.method in BODY_METHODS:
                raw = chalice_request.raw_body or b""
                if isinstance(raw, str):
                    raw = raw.encode("utf-8")
                limit = match.route.max_body_bytes or config.MAX_BODY_BYTES
                if len(raw) > limit:
                    raise PayloadTooLarge(f"Request body is larger than {limit} bytes")
                request.raw_body = raw
                if not match.route.raw_body:
                    request.body = decode_body(raw, headers.get("content-type", ""))
            request.caller = caller_for(request.params, headers, request.client_address)
            form_posts.check(request, match.route)
            reply: Reply = match.route.handler(request)
            return _render(reply.status, fmt, reply.document, {**_answer_headers(request), **reply.headers},
                           nometa=request.nometa, head=chalice_request.method == "HEAD", body=reply.body)
        except Exception as error:  # every failure leaves through the one mapping
            caller = getattr(request, "caller", None)
            failure = failure_for(error, anonymous=caller is None or caller.anonymous)
            return _render(failure.status, fmt, failure.document, {**_answer_headers(request), **failure.headers})


def gateway(router: Router) -> Blueprint:
    """A blueprint routing every path of up to MAX_DEPTH segments, every method, every body
    type, to the edge."""
    blueprint = Blueprint(__name__)
    edge = Edge(router)

    def view_for(depth: int):
        def view(**segments):
            # API Gateway hands over decoded path parameters; Chalice's local gateway (no
            # stage in its request context) hands over the raw ones.
            local = "stage" not in (blueprint.current_request.context or {})
            parts = [segments[f"p{i}"] for i in range(1, depth + 1)]
            parts = [unquote(part) for part in parts] if local else parts
            return edge.handle(blueprint.current_request, "/" + "/".join(parts))
        view.__name__ = f"api_depth_{depth}"
        return view

    for depth in range(0, MAX_DEPTH + 1):
        path = "/" + "/".join(f"{{p{i}}}" for i in range(1, depth + 1))
        blueprint.route(path, methods=METHODS, content_types=["*/*"])(view_for(depth))
    return blueprint
