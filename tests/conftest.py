"""Test setup: moto before any botocore client, fake credentials, a fresh embedded DynamoDB
with the default roles for every test, and a client that speaks to the app like a user."""
import base64
import copy
import json
import os

for _name in list(os.environ):
    if _name.startswith("AWS_ENDPOINT_URL"):
        del os.environ[_name]
os.environ.pop("DYNAMODB_ENDPOINT", None)
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "STAGE": "test", "LOG_LEVEL": "WARNING",
    # Hashes record their own rounds; tests keep them cheap.
    "PASSWORD_HASH_ITERATIONS": "1000",
})

import moto  # noqa: E402  (before any botocore session exists)
import pytest  # noqa: E402

from chalicelib.consumers import crm_stream  # noqa: E402
from chalicelib.store.embedded import consume_streams, serialize_calls, undo_transactions_by_item  # noqa: E402
from tests import fast_moto  # noqa: E402

fast_moto.install()
fast_moto.install_query_by_key()
serialize_calls()
consume_streams(crm_stream.handle)   # entries and search index follow every write, as on AWS a moment later
if os.environ.get("FAST_MOTO", "1") != "0":
    undo_transactions_by_item()

from chalicelib.store import meter  # noqa: E402,F401
from tests import faults  # noqa: E402,F401  (its botocore hook, before any session exists)


REQUEST_OPERATIONS = set()


@pytest.fixture(scope="session", autouse=True)
def record_request_operations():
    """Every AWS operation any request of the suite makes (recorded by a Chalice middleware
    around each request), checked against the deployed role's policy when the run ends."""
    from app import app

    def recording(event, get_response):
        with meter.measure() as cost:
            response = get_response(event)
        REQUEST_OPERATIONS.update(cost.operations)
        return response

    app.register_middleware(recording, "http")
    yield REQUEST_OPERATIONS


# Lines a test wants in the run's closing summary (counts of generated cases and the like).
SUMMARY = []


def pytest_terminal_summary(terminalreporter):
    for line in SUMMARY:
        terminalreporter.write_line(line)


def pytest_sessionfinish(session, exitstatus):
    """A worker of a parallel run (pytest -n) hands its operations and summary lines to the
    controller; the controller (or a serial run) checks the operations against the role."""
    from infra.template import actions_outside_the_role
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["request_operations"] = sorted(REQUEST_OPERATIONS)
        workeroutput["summary"] = list(SUMMARY)
        return
    outside = actions_outside_the_role(REQUEST_OPERATIONS)
    if outside:
        print(f"\nRequests used AWS actions the deployed role does not allow: {outside}")
        session.exitstatus = 1
    elif REQUEST_OPERATIONS:
        SUMMARY.append(f"role: requests made {len(REQUEST_OPERATIONS)} kinds of AWS calls, "
                       "all allowed by the deployed role")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    output = getattr(node, "workeroutput", {})
    REQUEST_OPERATIONS.update(output.get("request_operations", []))
    SUMMARY.extend(output.get("summary", []))


@pytest.fixture(autouse=True)
def environment_restored():
    """chalice's test client sets the stage's environment variables around each request and
    puts the old ones back after; requests from several threads at once can leave the stage's
    values behind (STAGE=dev, its table names), which later subprocesses would inherit."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


# The tables' items right after the defaults were made, copied into each test's fresh tables
# (making the defaults through the service costs ~70 ms a test; copying them ~1 ms).
_SEEDED_ITEMS = {}


def _dynamodb_tables() -> dict:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]].tables


@pytest.fixture(autouse=True)
def aws():
    from chalicelib.store import cache
    cache.forget()         # what an earlier test's store held is not this one's
    with moto.mock_aws():
        from chalicelib.services.defaults import ensure_defaults
        from chalicelib.store.files import create_bucket
        from chalicelib.store.operations import create_tables
        create_tables()
        create_bucket()
        tables = _dynamodb_tables()
        if _SEEDED_ITEMS:
            for name, items in _SEEDED_ITEMS.items():
                tables[name].items = copy.deepcopy(items)
        else:
            ensure_defaults()
            _SEEDED_ITEMS.update({name: copy.deepcopy(table.items) for name, table in tables.items()})
        yield


class Api:
    """Requests through chalice.test.Client, with credentials and bodies made easy."""

    def __init__(self):
        from chalice.test import Client

        from app import app
        self.client = Client(app)

    def request(self, method, path, body=None, key=None, basic=None, headers=None,
                content_type=None):
        headers = dict(headers or {})
        if key:
            headers["X-Redmine-API-Key"] = key
        if basic:
            token = base64.b64encode(f"{basic[0]}:{basic[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        if content_type:
            headers["Content-Type"] = content_type
        response = self.client.http.request(method, path, headers=headers, body=body or b"")
        # No request of any test, setup writes included, may fail on the server unnoticed: a
        # 5xx other than 503 (busy, retry) fails the test unless it says it expects one.
        if response.status_code >= 500 and response.status_code != 503 and not self.expect_server_error:
            raise AssertionError(f"{method} {path} answered {response.status_code}: {response.body[:300]!r}")
        return response

    expect_server_error = False

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def body_json(response):
    return json.loads(response.body)


def written(response):
    """A setup write that must have worked (2xx or a redirect): its answer, or the test fails
    with the status and body."""
    assert 200 <= response.status_code < 400, (response.status_code, response.body[:500])
    return response


def role_id(api, key, name):
    """The id of the role with that name (ids depend on the order the defaults were made in)."""
    roles = body_json(api.get("/roles.json", key=key))["roles"]
    return next(role["id"] for role in roles if role["name"] == name)


@pytest.fixture
def api():
    return Api()


class People:
    """Users made through the service layer, each with its API key."""

    def __init__(self):
        self.keys = {}

    def user(self, login, admin=False, status=None, password="secret123"):
        from chalicelib.services import users
        user, key = users.create_account({"login": login, "firstname": login.title(),
                                          "lastname": "Tester", "mail": f"{login}@example.com",
                                          "password": password}, admin=admin)
        if status is not None:
            user.status = status
            user.save()
        self.keys[login] = key
        return user

    def key(self, login):
        return self.keys[login]


@pytest.fixture
def people():
    return People()


@pytest.fixture
def admin_key(people):
    people.user("admin", admin=True)
    return people.key("admin")
