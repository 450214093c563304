"""Who is calling: the `key` parameter, then X-Redmine-API-Key, then HTTP Basic (login and
password, or the API key as the user name). A wrong credential leaves the caller anonymous;
the action's permission check decides what follows. A web form's key (`wf_...`) makes a
form caller instead, and an unknown or revoked one is refused. X-Redmine-Switch-User lets an admin act
as another active user (412 when there is none by that login)."""
import base64
import binascii
import re

from chalicelib.services import users, web_forms
from chalicelib.services.errors import PreconditionFailed
from chalicelib.services import policy
from chalicelib.services.policy import Caller


def _basic(header: str):
    scheme, _, encoded = (header or "").strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    login, _, password = decoded.partition(":")
    return login, password


API_KEY = re.compile(r"^[0-9a-f]{40}$")


def authenticated_user(params: dict, headers: dict, client_address: str = ""):
    key = params.get("key")
    if isinstance(key, str) and key:
        return users.by_api_key(key)
    header_key = headers.get("x-redmine-api-key")
    if header_key:
        return users.by_api_key(header_key)
    credentials = _basic(headers.get("authorization"))
    if credentials:
        login, password = credentials
        # An API key as the user name works whatever the password, and is never throttled.
        user = users.by_api_key(login) if API_KEY.match(login) else None
        if user is None and password:
            user = users.by_password(login, password, client_address)
        return user
    return None


def presented_credentials(params: dict, headers: dict) -> bool:
    """Whether the request carried a key or a password at all (valid or not)."""
    return bool(params.get("key") or headers.get("x-redmine-api-key") or headers.get("authorization"))


def caller_for(params: dict, headers: dict, client_address: str = "") -> Caller:
    key = params.get("key") or headers.get("x-redmine-api-key")
    if web_forms.is_form_key(key):
        return web_forms.caller_for_key(key)
    user = authenticated_user(params, headers, client_address)
    switch_to = headers.get("x-redmine-switch-user")
    if switch_to and policy.may_switch_user(user):
        target = users.by_login(switch_to.strip())
        if target is None or int(target.status) != users.ACTIVE:
            raise PreconditionFailed()
        user = target
    return Caller(user)
