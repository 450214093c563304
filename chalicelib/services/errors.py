"""The errors the rules raise. `web.errors` maps each to its Redmine response in one place;
nothing below the web layer knows about status codes."""
from chalicelib.store.operations import is_backend_unavailable


class ServiceError(Exception):
    pass


class NotFound(ServiceError):
    """No such resource (or one the caller may not even learn exists)."""


class Forbidden(ServiceError):
    """The caller may not do this; anonymous callers are asked to authenticate instead."""


class Unauthenticated(ServiceError):
    """The action needs a logged-in user."""


class Invalid(ServiceError):
    """Validation failed; carries every message at once."""

    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


class Conflict(ServiceError):
    """Someone else changed the thing first."""

    def __init__(self, message="The resource was changed by another request; try again"):
        self.messages = [message]
        super().__init__(message)


class PreconditionFailed(ServiceError):
    """X-Redmine-Switch-User names an unknown or locked user."""


def is_unavailable(error: BaseException) -> bool:
    """A failure of the store that passes (throttling, a conflicting transaction, an outage):
    the client should retry later."""
    return is_backend_unavailable(error)


class TooManyRequests(ServiceError):
    """A rate limit was reached; retry after `retry_after` seconds."""

    def __init__(self, retry_after: int):
        self.retry_after = int(retry_after)
        super().__init__(f"Too many requests; retry in {self.retry_after} seconds")
