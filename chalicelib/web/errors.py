"""Errors of the HTTP edge, and the one mapping from every exception to its response."""
import logging

from chalicelib.services import errors as service

from .document import Array, Document

log = logging.getLogger("contacts_api.errors")

RETRY_AFTER_SECONDS = "1"


class EdgeError(Exception):
    status = 400

    def __init__(self, message=""):
        self.message = message
        super().__init__(message)


class BadRequest(EdgeError):
    status = 400


class PayloadTooLarge(EdgeError):
    status = 413


class NotAcceptable(EdgeError):
    status = 406


class RouteNotFound(EdgeError):
    status = 404


def errors_document(messages) -> Document:
    return Document("errors", Array("error", messages))


class Failure:
    """What an exception becomes on the wire: a status, headers and maybe an errors document."""

    def __init__(self, status, document=None, headers=None):
        self.status = status
        self.document = document
        self.headers = headers or {}


def failure_for(error: BaseException, anonymous: bool) -> Failure:
    if isinstance(error, service.Invalid):
        return Failure(422, errors_document(error.messages))
    if isinstance(error, service.NotFound) or isinstance(error, RouteNotFound):
        return Failure(404)
    if isinstance(error, service.Unauthenticated) or (isinstance(error, service.Forbidden) and anonymous):
        return Failure(401, headers={"WWW-Authenticate": 'Basic realm="Redmine API"'})
    if isinstance(error, service.Forbidden):
        return Failure(403)
    if isinstance(error, service.PreconditionFailed):
        return Failure(412)
    if isinstance(error, service.TooManyRequests):
        return Failure(429, errors_document([str(error)]), headers={"Retry-After": str(error.retry_after)})
    if isinstance(error, service.Conflict):
        return Failure(409, errors_document(error.messages))
    if isinstance(error, (BadRequest, PayloadTooLarge)):
        return Failure(error.status, errors_document([error.message]))
    if isinstance(error, NotAcceptable):
        return Failure(406)
    if service.is_unavailable(error):
        return Failure(503, errors_document(["The service is busy; try again shortly"]),
                       headers={"Retry-After": RETRY_AFTER_SECONDS})
    log.exception("unhandled error", exc_info=error)
    return Failure(500, errors_document(["Internal error"]))
