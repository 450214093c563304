"""What the edge decides about posts from browsers before any handler runs: a web form's key
reaches only the routes that take it, with small bodies; a plain form posted from a foreign
page with the user's stored Basic credentials is refused; answers to a form's pages carry its
CORS headers."""
from urllib.parse import urlsplit

from chalicelib.services import web_forms
from chalicelib.services.errors import Forbidden

from .errors import PayloadTooLarge

FORM_BODY_BYTES = 64 * 1024
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
BODY_METHODS = {"POST", "PUT", "PATCH"}


def check(request, route) -> None:
    """Raises Forbidden or PayloadTooLarge for a post the edge must not hand to `route`."""
    if request.caller.form is not None:
        # A form key creates contacts and nothing else, with small bodies only.
        if not route.form_keys:
            raise Forbidden()
        if len(request.raw_body or b"") > FORM_BODY_BYTES:
            raise PayloadTooLarge(f"Request body is larger than {FORM_BODY_BYTES} bytes")
    if _cross_site(request):
        raise Forbidden()


def cors_headers(request) -> dict:
    caller = getattr(request, "caller", None)
    if caller is None or caller.form is None:
        return {}
    return web_forms.cors_headers(request.header("origin"), caller.form)


def _cross_site(request) -> bool:
    """A browser on a foreign page may post a plain form with the user's stored Basic
    credentials (no preflight). Keys sent in the form itself, and requests without a
    browser's Origin, are not concerned."""
    origin = request.header("origin")
    if request.method not in BODY_METHODS or not origin or not request.header("authorization"):
        return False
    if request.params.get("key") or request.header("x-redmine-api-key") or request.caller.user is None:
        return False
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        return False
    own = urlsplit(request.base_url)
    return origin.rstrip("/").lower() != f"{own.scheme}://{own.netloc}".lower()
