"""The running API against its own OpenAPI document: the local server (as `make serve` runs it)
serves /openapi.json, schemathesis generates cases for every operation from it, positive and
negative, sends them, and checks each answer: never a 5xx, a status the document declares, the
declared content type, and a body valid against the declared schema. Then a stateful run
follows the document's links (create, then show, update and delete what was created).

The seed is fixed, so a run is repeatable; CONTRACT_CASES (per operation and mode, 12 by
default: over 2,000 cases in all) and CONTRACT_STEPS make it longer. It prints the counts."""
import base64
import json
import os
import urllib.request

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import FlakyStrategyDefinition, Unsatisfiable

from tests.conftest import SUMMARY
from tests.servers import Server

pytestmark = pytest.mark.generated

CASES = int(os.environ.get("CONTRACT_CASES", "12"))
STEPS = int(os.environ.get("CONTRACT_STEPS", "60"))
SEED = 20261201
LOGIN, PASSWORD = "contract", "contract-secret-1"


@pytest.fixture(autouse=True)
def aws():
    """The API runs in its own process here."""
    yield


def _basic(login, password) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()}


def _tester(server) -> int:
    """An administrator of its own for the run (the generated cases may change the others)."""
    body = {"user": {"login": LOGIN, "password": PASSWORD, "firstname": "Contract", "lastname": "Tests",
                     "mail": "contract@example.com", "admin": True}}
    status, answer = server.request("POST", "/users.json", body)
    assert status == 201, answer
    return json.loads(answer)["user"]["id"]


def _seed(server) -> None:
    """Something of every kind, so that generated ids find documents to answer with."""
    def made(path, body):
        status, answer = server.request("POST", path, body)
        assert status == 201, (path, answer)
        return json.loads(answer)
    made("/projects.json", {"project": {"name": "Support", "identifier": "support"}})
    made("/projects.json", {"project": {"name": "Sales", "identifier": "sales", "parent_id": "support"}})
    made("/custom_fields.json", {"custom_field": {"name": "Size", "field_format": "string",
                                                  "customized_type": "contact"}})
    made("/custom_fields.json", {"custom_field": {"name": "Areas", "field_format": "list", "multiple": True,
                                                  "customized_type": "contact", "possible_values": ["a", "b"]}})
    company = made("/contacts.json", {"contact": {"first_name": "Acme", "is_company": True, "project_id": "support",
                                                  "tag_list": "vip, lead", "emails": ["hello@acme.example"],
                                                  "address_attributes": {"city": "Berlin", "country_code": "DE"},
                                                  "custom_fields": [{"id": 1, "value": "L"},
                                                                    {"id": 2, "value": ["a"]}]}})["contact"]
    person = made("/contacts.json", {"contact": {"first_name": "Ivan", "last_name": "Ivanov", "company": "Acme",
                                                 "project_ids": ["support", "sales"], "phones": ["+7 495 1"],
                                                 "assigned_to_id": 1, "visibility": 1}})["contact"]
    made("/contacts.json", {"contact": {"first_name": "Private", "project_id": "sales", "visibility": 2}})
    deal = made("/deals.json", {"deal": {"name": "Licence", "project_id": "support", "contact_id": company["id"],
                                         "related_contact_ids": [person["id"]], "price": "99.50"}})["deal"]
    made(f"/contacts/{company['id']}/notes.json", {"note": {"content": "Called"}})
    made(f"/deals/{deal['id']}/notes.json", {"note": {"content": "Offer sent"}})
    made("/tickets.json", {"ticket": {"subject": "Broken", "contact_id": person["id"], "status_id": 1}})
    made("/projects/support/deal_categories.json", {"deal_category": {"name": "Direct"}})
    made("/projects/support/web_forms.json", {"web_form": {"name": "Leads"}})
    made("/roles.json", {"role": {"name": "Viewer", "permissions": ["view_contacts", "view_deals"]}})


def _spares_the_tester(case, tester_id) -> bool:
    """Cases that would lock the run out (change, lock or delete its own user) are not sent."""
    path = case.operation.path
    if path.startswith("/users/{id}") and case.method.upper() in ("PUT", "PATCH", "DELETE"):
        return str((case.path_parameters or {}).get("id")) != str(tester_id)
    return True


def _first_line(failure) -> str:
    parts = getattr(failure, "exceptions", None) or [failure]
    return "; ".join(f"{type(p).__name__}: {str(p).strip().splitlines()[0] if str(p).strip() else ''}" for p in parts)


def _checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                                   status_code_conformance)
    return [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _generated(operation, mode, base, auth, tester, checks, counts, failures) -> None:
    """CASES cases of one operation in one generation mode, each sent and checked."""
    @seed(SEED)
    @settings(max_examples=CASES, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        if not _spares_the_tester(case, tester):
            counts["spared"] += 1
            return
        counts["cases"] += 1
        response = case.call(base_url=base, headers=auth, timeout=30)
        try:
            case.validate_response(response, checks=checks)
        except BaseException as failure:  # every failure is collected, then reported together
            failures.append(f"{case.method} {case.formatted_path} ({mode.value}): "
                            f"{_first_line(failure)}\n    {response.status_code} {response.text[:200]!r}"
                            f"\n    {case.as_curl_command(headers={'Authorization': '[login]'})[:400]}")
    try:
        run()
    except Unsatisfiable:
        counts["nothing to negate"] += 1     # nothing in the operation can be made invalid


def _stateful(schema, base, auth, checks, failures) -> int:
    """Scenarios along the document's links: create something, then show, update or delete
    what the answer names. Users are left out (a scenario could lock the run out)."""
    steps = [0]
    machine = schema.exclude(path_regex=r"^/users/").as_state_machine()

    class Scenario(machine):
        def get_call_kwargs(self, case):
            return {"base_url": base, "headers": auth, "timeout": 30}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            steps[0] += 1
            try:
                case.validate_response(response, checks=checks)
            except BaseException as failure:
                failures.append(f"(stateful) {case.method} {case.formatted_path}: {_first_line(failure)}"
                                f"\n    {response.status_code} {response.text[:200]!r}")

    if STEPS <= 0:
        return 0
    try:
        Scenario.run(settings=settings(max_examples=STEPS, stateful_step_count=6, deadline=None, database=None,
                                       derandomize=True, suppress_health_check=list(HealthCheck),
                                       phases=[Phase.explicit, Phase.generate]))
    except FlakyStrategyDefinition:
        # The server's state carries over from one scenario to the next, so a long run may
        # draw a scenario differently the second time it meets it: the run stops there; every
        # step sent until then was checked.
        pass
    return steps[0]


def test_the_running_api_keeps_its_contract(tmp_path):
    import schemathesis
    from schemathesis import GenerationMode

    server = Server(tmp_path / "store.json")
    try:
        base = f"http://127.0.0.1:{server.port}"
        with urllib.request.urlopen(base + "/openapi.json", timeout=30) as answer:
            assert answer.status == 200
        tester = _tester(server)
        _seed(server)
        auth = _basic(LOGIN, PASSWORD)
        schema = schemathesis.openapi.from_url(base + "/openapi.json")
        checks, counts, failures = _checks(), {"cases": 0, "operations": 0, "spared": 0, "nothing to negate": 0}, []

        for result in schema.get_all_operations():
            counts["operations"] += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _generated(result.ok(), mode, base, auth, tester, checks, counts, failures)
        steps = _stateful(schema, base, auth, checks, failures)
        SUMMARY.append(f"contract: {counts['cases']} generated cases on {counts['operations']} operations "
                       f"(CONTRACT_CASES={CASES}, seed {SEED}) and {steps} linked steps "
                       f"(CONTRACT_STEPS={STEPS}), {len(failures)} failing")
        assert not failures, "\n".join(failures[:30])
        assert counts["cases"] >= 2000 or CASES < 12
    finally:
        server.stop()
