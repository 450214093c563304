"""Web forms: create-only keys for lead forms on static sites (SPEC section 7).

A form key belongs to one project and can only create contacts there, with visibility 0,
the form's default tags and assignee. Redirects go only to URLs registered on the form (same
origin, path at or below the registered one); browsers get CORS only for its origins. Posts
with a form key are rate limited per key and per client address, and capped per day.
"""
import re
import secrets
from urllib.parse import urlsplit


from chalicelib.store import ratelimits, records, unique
from chalicelib.store.directory import UserRecord, WebFormRecord
from chalicelib.store.operations import next_id, now

from . import projects as project_rules
from . import validation as v
from .contacts import active_user_id, tag_names
from .errors import Forbidden, NotFound, TooManyRequests, Unauthenticated
from . import policy
from .policy import Caller, FormCaller

KEY_PREFIX = "wf_"
NAME_MAX, URLS_MAX, URL_MAX = 255, 20, 2000
MINUTE, DAY = 60, 86400
_UNSAFE = re.compile(r"[\x00-\x20\\\x7f]")


def is_form_key(key) -> bool:
    return isinstance(key, str) and key.startswith(KEY_PREFIX)


def caller_for_key(key: str) -> FormCaller:
    """The form a key belongs to; an unknown or revoked form key is refused (401)."""
    form_id = records.find_lookup("form_key", key) if len(key) <= 100 else None
    form = records.get(WebFormRecord, form_id) if form_id else None
    if form is None:
        raise Unauthenticated()
    return FormCaller(form)


# ------------------------------------------------------------------ URLs and origins

def _split(url):
    """(origin, path) of an absolute http(s) URL without credentials or tricks, else None."""
    if not isinstance(url, str) or not url or len(url) > URL_MAX or _UNSAFE.search(url) or not url.isascii():
        return None     # non-ASCII URLs are refused: a Location header carries ASCII only
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    path = parts.path or "/"
    if "%" in path.replace("%20", "") and re.search(r"%2e|%2f|%5c", path, re.IGNORECASE):
        return None
    if any(segment in (".", "..") for segment in path.split("/")):
        return None
    default = 443 if scheme == "https" else 80
    origin = f"{scheme}://{parts.hostname.lower()}" + (f":{port}" if port and port != default else "")
    return origin, path


def origin_of(url):
    split = _split(url)
    return split[0] if split else None


def redirect_allowed(url, registered) -> bool:
    target = _split(url)
    if target is None:
        return False
    for allowed in registered:
        base = _split(allowed)
        if base is None or base[0] != target[0]:
            continue
        prefix = base[1].rstrip("/")
        if target[1] == base[1] or target[1] == prefix or target[1].startswith(prefix + "/"):
            return True
    return False


def cors_headers(origin, form) -> dict:
    """What lets a page on one of the form's origins read the answer (any answer)."""
    if form is None or not origin_allowed(origin, form):
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def origin_allowed(origin, form) -> bool:
    return bool(origin) and origin_of(origin) == origin.rstrip("/").lower() and \
        origin.rstrip("/").lower() in (form.allowed_origins or [])


def redirect_targets(caller: Caller, project) -> list:
    """URLs a redirect may go to: the form's, or for a user key those of the project's forms."""
    if caller.form is not None:
        return list(caller.form.redirect_urls or [])
    if project is None:
        return []
    return [url for form in forms_of(int(project.id)) for url in (form.redirect_urls or [])]


# ------------------------------------------------------------------ submissions

def check_rate(form: WebFormRecord, client_address: str) -> None:
    """Count this post; 429 once the form or the address is over its limit."""
    limit = int(form.rate_limit or 10)
    for subject, window, most in ((f"form#{int(form.id)}", MINUTE, limit),
                                  (f"address#{client_address or 'unknown'}", MINUTE, limit),
                                  (f"form-day#{int(form.id)}", DAY, int(form.daily_cap or 1000))):
        count, retry_after = ratelimits.hit(subject, window)
        if count > most:
            raise TooManyRequests(retry_after)


def submission(form: WebFormRecord, data: dict, project_ref) -> dict:
    """What a form post may set: its own project, visibility 0, its default tags and assignee."""
    if project_ref not in (None, "") and str(project_ref) != str(form.project_id):
        found = project_rules.resolve(FormCaller(form), project_ref)
        if found is None or int(found.id) != int(form.project_id):
            raise Forbidden()
    allowed = {k: value for k, value in data.items()
               if k not in ("visibility", "project_ids", "project_id", "author_id", "assigned_to_id")}
    allowed["visibility"] = 0
    if form.default_tags:
        messages = v.Messages()
        posted = tag_names(data.get("tag_list"), messages) if data.get("tag_list") else []
        messages.raise_any()
        allowed["tag_list"] = list(form.default_tags) + posted
    if form.assigned_to_id:
        allowed["assigned_to_id"] = int(form.assigned_to_id)
    return allowed


# ------------------------------------------------------------------ managing forms



def forms_of(project_id: int) -> list:
    return [f for f in records.all_of(WebFormRecord) if int(f.project_id) == int(project_id)]


def listed(caller: Caller, project_ref):
    project = project_rules.find(caller, project_ref)
    policy.require_manager(caller, project)
    return forms_of(int(project.id))


def get(caller: Caller, form_id) -> WebFormRecord:
    form = records.get(WebFormRecord, form_id)
    project = caller.project(form.project_id) if form else None
    if form is None or not policy.sees_project(caller, project):
        raise NotFound()
    policy.require_manager(caller, project)
    return form


def _urls(value, attribute: str, messages: v.Messages, check) -> list:
    items = v.string_list(value if not isinstance(value, str) else value.split(), attribute, messages)
    result = []
    for item in (i.strip() for i in items if i.strip()):
        normalized = check(item)
        if normalized is None:
            messages.invalid(attribute)
        elif normalized not in result:
            result.append(normalized)
    if len(result) > URLS_MAX:
        messages.add(f"{attribute} has too many entries (maximum is {URLS_MAX})")
    return result


# The plain attributes; origins, redirects, tags, the assignee and the limits are rules in code.
FIELDS = (v.Field("name", "Name", required=True, max_length=NAME_MAX, on_create=True, empty_is_none=False),)


def _attributes(data: dict, creating: bool, project_id: int) -> dict:
    messages = v.Messages()
    values = {}
    values.update(v.read_fields(data, FIELDS, messages, creating))
    if "allowed_origins" in data:
        values["allowed_origins"] = _urls(
            data.get("allowed_origins"), "Allowed origins", messages,
            lambda o: origin_of(o) if origin_of(o) == o.rstrip("/").lower() else None)
    if "redirect_urls" in data:
        values["redirect_urls"] = _urls(data.get("redirect_urls"), "Redirect urls", messages,
                                        lambda u: u if _split(u) else None)
    if "default_tags" in data:
        values["default_tags"] = tag_names(data.get("default_tags"), messages)
    if "assigned_to_id" in data:
        values["assigned_to_id"] = active_user_id(data.get("assigned_to_id"), "Assigned to", messages)
        # The contacts the form makes have visibility 0 in its project: their assignee must see them.
        user = records.get(UserRecord, values["assigned_to_id"]) if values["assigned_to_id"] else None
        if user is not None and not policy.sees_form_contacts(user, project_id):
            messages.invalid("Assigned to")
    for key, label, top in (("rate_limit", "Rate limit", 1000), ("daily_cap", "Daily cap", 1_000_000)):
        if key in data:
            number = v.integer(data.get(key), label, messages)
            if number is not None and not 1 <= number <= top:
                messages.add(f"{label} must be between 1 and {top}")
            if number is not None:
                values[key] = number
    messages.raise_any()
    return values


def create(caller: Caller, project_ref, data: dict) -> WebFormRecord:
    project = project_rules.find(caller, project_ref)
    policy.require_manager(caller, project)
    values = _attributes(data, creating=True, project_id=int(project.id))
    form_id = next_id(WebFormRecord.KIND)
    stamp = now()
    form = WebFormRecord(*WebFormRecord.key(form_id), id=form_id, project_id=int(project.id),
                         form_key=KEY_PREFIX + secrets.token_hex(20), created_on=stamp, updated_on=stamp, **values)
    try:
        unique.insert(form, [("form_key", form.form_key)])
    except unique.Taken:
        raise Forbidden() from None
    return form


def update(caller: Caller, form_id, data: dict) -> WebFormRecord:
    form = get(caller, form_id)
    for key, value in _attributes(data, creating=False, project_id=int(form.project_id)).items():
        setattr(form, key, value)
    form.updated_on = now()
    records.put(form)
    return form


def revoke(caller: Caller, form_id) -> None:
    """Delete the form; its key stops working at once (lookups are consistent reads)."""
    form = get(caller, form_id)
    unique.remove(form, [("form_key", form.form_key)])
