"""The access log: one JSON line per request, with its request id, status, time and what it
cost in DynamoDB calls and items (the cost meter's figures), at INFO on the logger
"contacts_api.requests". Its level, like every "contacts_api" logger's, is LOG_LEVEL."""
import json
import logging
import time
import uuid

log = logging.getLogger("contacts_api.requests")


def request_id(chalice_request) -> str:
    """API Gateway's id of the request (what its own logs carry), or a new one locally."""
    return (chalice_request.context or {}).get("requestId") or uuid.uuid4().hex


def record(chalice_request, path: str, status: int, started: float, cost) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    line = {"request_id": request_id(chalice_request), "method": chalice_request.method, "path": path,
            "status": status, "ms": round((time.perf_counter() - started) * 1000, 1)}
    line.update(cost.fields())
    log.info(json.dumps(line, separators=(",", ":"), ensure_ascii=False))
