"""Users: accounts with a login, a salted password hash and an API key kept only as its hash.
Admins manage them; login, mail and API key are unique through lookup items written in the
same transaction as the user."""
import re

from chalicelib.store import ratelimits, records, unique
from chalicelib.store.directory import UserRecord
from chalicelib.store.operations import fetch_many, next_id, now

from . import validation as v
from .errors import Invalid, NotFound, TooManyRequests
from .passwords import api_key_hash, hash_password, is_remembered, new_api_key, verify_nothing, verify_password
from .policy import Caller

LOGIN = re.compile(r"^[a-z0-9_\-@.]+$", re.IGNORECASE)
LOGIN_MAX, NAME_MAX, MAIL_MAX, PASSWORD_MIN, PASSWORD_MAX = 60, 30, 254, 8, 256
ACTIVE, REGISTERED, LOCKED = 1, 2, 3
# Failed password logins allowed per login and per client address within the window.
FAILED_LOGINS_PER_LOGIN, FAILED_LOGINS_PER_ADDRESS, FAILED_LOGIN_WINDOW = 5, 20, 300
STATUSES = (ACTIVE, REGISTERED, LOCKED)


def by_ids(user_ids) -> dict:
    """{id: user} of the users some records name (authors, assignees), one BatchGetItem a 100."""
    return fetch_many(UserRecord, user_ids)


def get(user_id) -> UserRecord:
    user = records.get(UserRecord, user_id)
    if user is None:
        raise NotFound()
    return user


def full_name(user) -> str:
    return f"{user.firstname} {user.lastname}".strip()


def find_active(user_id):
    user = records.get(UserRecord, user_id)
    return user if user is not None and int(user.status) == ACTIVE else None


# ------------------------------------------------------------------ authentication

def by_api_key(key):
    """The active user whose API key this is, or None."""
    if not isinstance(key, str) or not key.strip() or len(key) > 200:
        return None
    user_id = records.find_lookup("api_key", api_key_hash(key.strip()))
    if not user_id:
        return None
    user = records.remembered(UserRecord, user_id)
    return user if user is not None and int(user.status) == ACTIVE else None


def by_login(login):
    """The user with this login (any status), or None."""
    if not isinstance(login, str) or not login or len(login) > LOGIN_MAX:
        return None
    user_id = records.find_lookup("login", login.lower())
    return records.get(UserRecord, user_id) if user_id else None


def by_password(login, password, client_address: str = ""):
    """The active user with this login and password, or None. Failed logins are counted per
    login and per client address; past a handful within the window, password logins for them
    answer 429 without any hashing. Unknown and locked logins cost the same hashing as real
    ones. A password this container already verified is never slowed down."""
    user = by_login(login)
    active = user is not None and int(user.status) == ACTIVE
    if active and is_remembered(password, user.password_hash):
        return user
    subjects = ((f"login#{str(login).lower()[:LOGIN_MAX]}", FAILED_LOGINS_PER_LOGIN),
                (f"login-address#{client_address or 'unknown'}", FAILED_LOGINS_PER_ADDRESS))
    for subject, most in subjects:
        count, retry_after = ratelimits.current(subject, FAILED_LOGIN_WINDOW)
        if count >= most:
            raise TooManyRequests(retry_after)
    if active and verify_password(password, user.password_hash):
        return user
    if not active:
        verify_nothing(password)
    for subject, _most in subjects:
        ratelimits.hit(subject, FAILED_LOGIN_WINDOW)
    return None


# ------------------------------------------------------------------ listing

def active_admins() -> list:
    """The active administrators, oldest first (whom admin tools act as by default)."""
    return sorted((u for u in records.all_of(UserRecord) if u.admin and int(u.status) == ACTIVE),
                  key=lambda u: int(u.id))


def listed(caller: Caller, status=None, name=None) -> list:
    """Users for the admin list: active ones by default, `status=` for all or one status,
    `name=` matching login, first name, last name or mail."""
    caller.require_admin()
    users = records.all_of(UserRecord)
    if status is None:
        users = [u for u in users if int(u.status) == ACTIVE]
    elif str(status).strip() != "":
        messages = v.Messages()
        wanted = v.one_of(status, "Status", STATUSES, messages)
        messages.raise_any()
        users = [u for u in users if int(u.status) == wanted]
    if name:
        needle = str(name).strip().lower()
        users = [u for u in users if any(needle in (value or "").lower() for value in
                                         (u.login, u.firstname, u.lastname, u.mail,
                                          f"{u.firstname} {u.lastname}"))]
    return users


# ------------------------------------------------------------------ writes

NAME_FIELDS = (
    v.Field("firstname", "First name", required=True, max_length=NAME_MAX, on_create=True, empty_is_none=False),
    v.Field("lastname", "Last name", required=True, max_length=NAME_MAX, on_create=True, empty_is_none=False),
)
ADMIN_FIELDS = (v.Field("admin", "Administrator", kind="boolean", default=False),)


def _attributes(data: dict, user=None) -> dict:
    messages = v.Messages()
    creating = user is None
    values = {}
    if creating or "login" in data:
        login = v.stripped(data.get("login"), "Login", messages)
        if not login:
            messages.blank("Login")
        elif len(login) > LOGIN_MAX:
            messages.too_long("Login", LOGIN_MAX)
        elif not LOGIN.match(login):
            messages.invalid("Login")
        else:
            owner = records.find_lookup("login", login.lower())
            if owner and (creating or owner != int(user.id)):
                messages.taken("Login")
        values["login"] = login
    values.update(v.read_fields(data, NAME_FIELDS, messages, creating))
    if creating or "mail" in data:
        mail = v.stripped(data.get("mail"), "Email", messages)
        if not mail:
            messages.blank("Email")
        elif len(mail) > MAIL_MAX:
            messages.too_long("Email", MAIL_MAX)
        elif not v.EMAIL.match(mail):
            messages.invalid("Email")
        else:
            owner = records.find_lookup("mail", mail.lower())
            if owner and (creating or owner != int(user.id)):
                messages.taken("Email")
        values["mail"] = mail
    generate = v.boolean(data.get("generate_password"), "Generate password", messages, default=False)
    if generate:
        values["password_hash"] = hash_password(new_api_key())
    elif creating or data.get("password") not in (None, ""):
        password = v.text(data.get("password"), "Password", messages)
        if not password:
            messages.blank("Password")
        elif len(password) < PASSWORD_MIN:
            messages.too_short("Password", PASSWORD_MIN)
        elif len(password) > PASSWORD_MAX:
            messages.too_long("Password", PASSWORD_MAX)
        else:
            values["password_hash"] = hash_password(password)
    values.update(v.read_fields(data, ADMIN_FIELDS, messages, creating))
    if "status" in data:
        status = v.integer(data.get("status"), "Status", messages)
        if status not in STATUSES:
            messages.not_included("Status")
        values["status"] = status
    messages.raise_any()
    return values


UNIQUE_LABELS = {"login": "Login", "mail": "Email"}


def _taken(error: unique.Taken) -> Invalid:
    """A login or mail another user holds, as its validation message."""
    return Invalid([f"{UNIQUE_LABELS[kind]} has already been taken" for kind in error.kinds
                    if kind in UNIQUE_LABELS] or ["API key has already been taken"])


def create(caller: Caller, data: dict):
    """Returns the new user and its API key (shown this once)."""
    caller.require_admin()
    return create_account(data)


def create_account(data: dict, admin=None):
    values = _attributes(data)
    if admin is not None:
        values["admin"] = admin
    user_id = next_id(UserRecord.KIND)
    key = new_api_key()
    stamp = now()
    values.setdefault("status", ACTIVE)
    user = UserRecord(*UserRecord.key(user_id), id=user_id, created_on=stamp, updated_on=stamp,
                      api_key_hash=api_key_hash(key), passwd_changed_on=stamp, **values)
    try:
        unique.insert(user, [("login", user.login.lower()), ("mail", user.mail.lower()),
                             ("api_key", user.api_key_hash)])
    except unique.Taken as error:
        raise _taken(error) from None
    return user, key


def _active_admins(excluding: int) -> list:
    return [u for u in records.all_of(UserRecord)
            if u.admin and int(u.status) == ACTIVE and int(u.id) != excluding]


def _keep_an_admin(user, values: dict) -> None:
    stays_admin = values.get("admin", user.admin) and values.get("status", user.status) == ACTIVE
    if user.admin and int(user.status) == ACTIVE and not stays_admin and not _active_admins(int(user.id)):
        raise Invalid(["The last active administrator cannot be locked, removed or demoted"])


def update(caller: Caller, user_id, data: dict) -> UserRecord:
    caller.require_admin()
    user = get(user_id)
    values = _attributes(data, user)
    _keep_an_admin(user, values)
    old_login, old_mail = user.login.lower(), user.mail.lower()
    if "password_hash" in values:
        values["passwd_changed_on"] = now()
    for key, value in values.items():
        setattr(user, key, value)
    user.updated_on = now()
    try:
        unique.replace(user, [("login", old_login, user.login.lower()), ("mail", old_mail, user.mail.lower())])
    except unique.Taken as error:
        raise _taken(error) from None
    return user


def delete(caller: Caller, user_id) -> None:
    caller.require_admin()
    user = get(user_id)
    _keep_an_admin(user, {"status": None})
    unique.remove_many(item for membership in records.memberships_of_user(int(user.id))
                       for item in membership.copies())
    unique.remove(user, [("login", user.login.lower()), ("mail", user.mail.lower()),
                         ("api_key", user.api_key_hash)])


def reissue_api_key(user: UserRecord) -> str:
    """A new API key for the user; the old one stops working at once."""
    key = new_api_key()
    old_hash = user.api_key_hash
    user.api_key_hash = api_key_hash(key)
    user.updated_on = now()
    unique.replace(user, [("api_key", old_hash, user.api_key_hash)])
    return key


def set_password(user: UserRecord, password: str) -> None:
    messages = v.Messages()
    if not password or len(password) < PASSWORD_MIN:
        messages.too_short("Password", PASSWORD_MIN)
    messages.raise_any()
    user.password_hash = hash_password(password)
    user.passwd_changed_on = user.updated_on = now()
    records.put(user)


def ensure_development_admin(login: str = "admin", password: str = "admin"):
    """The local stage's admin/admin, created when no user has that login. The short password
    skips the length rule on purpose: this runs only for the embedded development store."""
    if by_login(login) is not None:
        return None
    user, key = create_account({"login": login, "firstname": "Redmine", "lastname": "Admin",
                                "mail": f"{login}@example.net", "password": "x" * PASSWORD_MIN},
                               admin=True)
    user.password_hash = hash_password(password)
    records.put(user)
    return user, key
