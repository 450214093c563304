"""Fault injection: make the n-th DynamoDB or S3 call inside `failing(n, fault)` fail as AWS
would answer it (throttled, an internal error, a cancelled transaction), before it reaches the
store, so it changes nothing. `counting()` tells how many calls a piece of work makes.

Installed through botocore's builtin handlers like the cost meter, so it must be imported
before any botocore session exists (tests/conftest.py does).
"""
import contextlib
import contextvars
from dataclasses import dataclass, field

from botocore.awsrequest import AWSResponse
from botocore.handlers import BUILTIN_HANDLERS


@dataclass(frozen=True)
class Fault:
    name: str
    status: int
    code: str
    transaction_only: bool = False

    def answer(self, operation: str, params: dict) -> dict:
        error = {"Code": self.code, "Message": f"injected {self.name}"}
        parsed = {"Error": error, "ResponseMetadata": {"HTTPStatusCode": self.status}}
        if self.code == "TransactionCanceledException":
            # Every item "None" but one that collided with another transaction.
            body = params.get("body") or b"{}"
            count = max(1, body.count(b'"TableName"')) if isinstance(body, bytes) else 1
            reasons = [{"Code": "None"} for _ in range(count)]
            reasons[-1] = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
            parsed["CancellationReasons"] = reasons
            error["Message"] = "Transaction cancelled, please refer cancellation reasons for specific reasons " \
                               "[" + ", ".join(r["Code"] for r in reasons) + "]"
        return parsed


THROTTLED = Fault("throttled", 400, "ThrottlingException")
INTERNAL = Fault("internal error", 500, "InternalServerError")
CANCELLED = Fault("transaction cancelled", 400, "TransactionCanceledException", transaction_only=True)
S3_SLOW_DOWN = Fault("S3 slow down", 503, "SlowDown")
S3_INTERNAL = Fault("S3 internal error", 500, "InternalError")

DYNAMODB_FAULTS = (THROTTLED, INTERNAL, CANCELLED)
S3_FAULTS = (S3_SLOW_DOWN, S3_INTERNAL)


@dataclass
class Plan:
    fail_at: int = 0            # 1-based call number to fail; 0 fails nothing
    fault: Fault = None
    calls: list = field(default_factory=list)    # "dynamodb:PutItem", "s3:PutObject", ...
    injected: str = None        # the call that was made to fail

    def faults_for(self, call: str) -> tuple:
        return S3_FAULTS if call.startswith("s3:") else DYNAMODB_FAULTS


_plan: contextvars.ContextVar = contextvars.ContextVar("fault_plan", default=None)


def _before_call(model=None, params=None, **_):
    plan = _plan.get()
    if plan is None or model is None:
        return None
    call = f"{model.service_model.endpoint_prefix}:{model.name}"
    plan.calls.append(call)
    if len(plan.calls) != plan.fail_at:
        return None
    fault = plan.fault
    if fault.transaction_only and model.name != "TransactWriteItems":
        fault = THROTTLED
    if call.startswith("s3:") and fault not in S3_FAULTS:
        fault = S3_SLOW_DOWN
    if not call.startswith("s3:") and fault in S3_FAULTS:
        fault = INTERNAL
    plan.injected = f"{call} ({fault.name})"
    response = AWSResponse(url="https://injected.invalid/", status_code=fault.status, headers={}, raw=None)
    return response, fault.answer(model.name, params or {})


@contextlib.contextmanager
def counting():
    """A Plan that fails nothing and records every call."""
    plan = Plan()
    token = _plan.set(plan)
    try:
        yield plan
    finally:
        _plan.reset(token)


@contextlib.contextmanager
def failing(n: int, fault: Fault):
    """The n-th call (1-based) made inside fails with `fault` (adapted to the call's service)."""
    plan = Plan(fail_at=n, fault=fault)
    token = _plan.set(plan)
    try:
        yield plan
    finally:
        _plan.reset(token)


def _install() -> None:
    for entry in (("before-call.dynamodb", _before_call), ("before-call.s3", _before_call)):
        if entry not in BUILTIN_HANDLERS:
            BUILTIN_HANDLERS.append(entry)


_install()
