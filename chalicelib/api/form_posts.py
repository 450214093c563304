"""A contact created by a post from a web page (SPEC section 7): a lead form's key, or the
redirect parameters a site's own form sends. The form's fields and rate limits, the allowed
redirects, the honeypot, the redirect answers and the CORS preflight live here; the contact
itself is created by the same rules as any other."""
from urllib.parse import urlencode, urlsplit, urlunsplit

from chalicelib.services import contacts as rules
from chalicelib.services import web_forms as forms
from chalicelib.web.request import Reply, see_other

HONEYPOT = "website_url"
PREFLIGHT_MAX_AGE = "600"


def concerns(req, data: dict) -> bool:
    """Whether a create is handled as a form post: a form key, a redirect asked for, or the
    honeypot field sent (whatever the key)."""
    return req.caller.form is not None or HONEYPOT in data or any(
        req.params.get(name) for name in ("redirect_on_success", "redirect_on_error"))


def create(req, data: dict, project_ref, answer) -> Reply:
    """Create the contact a form post describes; `answer(contact)` is the reply when no
    redirect is asked for."""
    success_url, error_url = req.params.get("redirect_on_success"), req.params.get("redirect_on_error")
    form = req.caller.form
    if form is not None:
        forms.check_rate(form, req.client_address)
        data = forms.submission(form, data, project_ref)
        project_ref = int(form.project_id)
    if success_url or error_url:
        # Only a caller who may create here learns which redirect URLs are registered.
        project = rules.creation_project(req.caller, project_ref)
        targets = forms.redirect_targets(req.caller, project)
        for url, label in ((success_url, "Redirect on success"), (error_url, "Redirect on error")):
            if url and not forms.redirect_allowed(url, targets):
                raise rules.Invalid([f"{label} is not allowed"])
    if str(data.get(HONEYPOT) or "").strip():
        # A filled honeypot looks like success to the bot; nothing is stored.
        return see_other(success_url) if success_url else Reply(202)
    try:
        contact = rules.create(req.caller, data, project_ref)
    except rules.Invalid as error:
        if error_url:
            return see_other(with_errors(error_url, error.messages))
        raise
    return see_other(success_url) if success_url else answer(contact)


def with_errors(url: str, messages) -> str:
    """The error page URL with one errors[] parameter per message."""
    parts = urlsplit(url)
    extra = urlencode([("errors[]", message) for message in messages])
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def preflight(req) -> Reply:
    headers = forms.cors_headers(req.header("origin"), req.caller.form)
    if not headers:
        return Reply(403)
    headers.update({"Access-Control-Allow-Methods": "POST, OPTIONS",
                    "Access-Control-Allow-Headers": "Content-Type, Accept, X-Requested-With",
                    "Access-Control-Max-Age": PREFLIGHT_MAX_AGE})
    return Reply(204, None, headers)
