"""Password hashes (salted PBKDF2-SHA256, its rounds recorded in the hash) and API keys
(40 hex characters, stored only as their SHA-256)."""
import base64
import hashlib
import hmac
import secrets

from chalicelib import config

_SCHEME = "pbkdf2_sha256"


def hash_password(password: str, iterations: int = None) -> str:
    iterations = iterations or config.PASSWORD_HASH_ITERATIONS
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return "$".join([_SCHEME, str(iterations), base64.b64encode(salt).decode(),
                     base64.b64encode(digest).decode()])


# Basic-auth clients send the password with every request; a slow hash per request would
# cost ~0.5 s of Lambda time each. A container remembers the passwords it verified, keyed by
# a keyed digest of password and stored hash (a changed password changes the stored hash).
_VERIFIED_MAX = 256
_verified = {}
_cache_secret = secrets.token_bytes(32)


def _verified_key(password: str, stored: str) -> bytes:
    return hmac.new(_cache_secret, (stored + "\0" + password).encode("utf-8"), hashlib.sha256).digest()


def verify_password(password: str, stored) -> bool:
    if not stored or not isinstance(password, str):
        return False
    remembered = _verified_key(password, stored)
    if remembered in _verified:
        return True
    if _slow_verify(password, stored):
        if len(_verified) >= _VERIFIED_MAX:
            _verified.pop(next(iter(_verified)))
        _verified[remembered] = True
        return True
    return False


_dummy = []


def verify_nothing(password: str) -> bool:
    """The work of a real verification, for a login that does not exist or is locked, so that
    answer times do not tell which logins exist. Always False."""
    if not _dummy:
        _dummy.append(hash_password(secrets.token_hex(16)))
    _slow_verify(password if isinstance(password, str) else "", _dummy[0])
    return False


def is_remembered(password: str, stored) -> bool:
    """Whether this container verified exactly this password against this hash before."""
    return bool(stored) and isinstance(password, str) and _verified_key(password, stored) in _verified


def _slow_verify(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != _SCHEME:
            return False
        actual = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"),
                                     base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


def new_api_key() -> str:
    return secrets.token_hex(20)


def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
