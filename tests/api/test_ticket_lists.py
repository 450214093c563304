"""Ticket lists against an independent model: hypothesis opens, closes and deletes tickets,
changes and deletes their contacts, and each caller's list (total and pages, newest first) must
hold exactly the tickets whose contact that caller's contact show answers 200 for. The lists
take their totals from counters and merge the projects' streams lazily; the model knows
nothing of either."""
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from chalicelib.store import consistency
from tests.conftest import SUMMARY, body_json

pytestmark = pytest.mark.generated
EXAMPLES = int(os.environ.get("TICKET_EXAMPLES", "20"))
COUNTS = {"worlds": 0, "lists": 0}
CALLERS = ("admin", "rep", "dev", "outsider")

new_contact = st.tuples(st.just("contact"), st.sampled_from([0, 1, 2]), st.sampled_from(["support", "sales"]),
                        st.sampled_from(["admin", "dev"]))
step = st.one_of(
    new_contact,
    st.tuples(st.just("ticket"), st.integers(0, 50), st.sampled_from([1, 2, 3])),
    st.tuples(st.just("ticket"), st.integers(0, 50), st.sampled_from([1, 2, 3])),
    st.tuples(st.just("visibility"), st.integers(0, 50), st.sampled_from([0, 1, 2])),
    st.tuples(st.just("close"), st.integers(0, 50)),
    st.tuples(st.just("drop ticket"), st.integers(0, 50)),
    st.tuples(st.just("drop contact"), st.integers(0, 50)),
)


@pytest.fixture
def world(api, crm):
    crm.project("sales", public=False)
    crm.member("rep", "support", "Reporter")
    crm.member("dev", "support", "Developer")
    crm.member("dev", "sales", "Developer")
    crm.people.user("outsider")
    return crm


def _run(api, crm, steps, contacts: list) -> tuple:
    """Take the steps; `contacts` collects the contacts made (for the clean-up)."""
    tickets = []
    for kind, *args in steps:
        if kind == "contact":
            visibility, project, author = args
            contacts.append(crm.contact(key=crm.key(author), project=project, first_name=f"P{len(contacts)}",
                                        visibility=visibility))
        elif not contacts:
            continue
        elif kind == "ticket":
            which, status = args
            contact = contacts[which % len(contacts)]
            r = api.post("/tickets.json", {"ticket": {"subject": f"T{len(tickets)}", "contact_id": contact,
                                                      "status_id": status}}, key=crm.admin)
            if r.status_code == 201:
                tickets.append(body_json(r)["ticket"]["id"])
            else:
                assert r.status_code == 404, r.body      # its contact was deleted
        elif kind == "visibility":
            which, visibility = args
            r = api.put(f"/contacts/{contacts[which % len(contacts)]}.json", {"contact": {"visibility": visibility}},
                        key=crm.admin)
            assert r.status_code in (204, 404), r.body
        elif kind in ("close", "drop ticket") and tickets:
            ticket = tickets[args[0] % len(tickets)]
            r = api.put(f"/tickets/{ticket}.json", {"ticket": {"status_id": 3}}, key=crm.admin) if kind == "close" \
                else api.delete(f"/tickets/{ticket}.json", key=crm.admin)
            assert r.status_code in (204, 404), r.body
        elif kind == "drop contact":
            r = api.delete(f"/contacts/{contacts[args[0] % len(contacts)]}.json", key=crm.admin)
            assert r.status_code in (204, 404), r.body
    return contacts, tickets


def _expected(api, crm, login, tickets) -> list:
    """Newest first, the tickets that still exist whose contact the caller's show answers 200 for."""
    kept = []
    for ticket in sorted(tickets, reverse=True):
        r = api.get(f"/tickets/{ticket}.json", key=crm.admin)
        if r.status_code == 404:
            continue
        contact = body_json(r)["ticket"]["contact"]["id"]
        if api.get(f"/contacts/{contact}.json", key=crm.key(login)).status_code == 200:
            kept.append(ticket)
    return kept


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(first=st.lists(st.tuples(new_contact, st.integers(1, 3)), min_size=1, max_size=4),
       steps=st.lists(step, min_size=1, max_size=12), offset=st.integers(0, 4))
def test_each_callers_ticket_list_holds_the_tickets_of_the_contacts_it_sees(api, world, first, steps, offset):
    crm, contacts = world, []
    try:
        # Every first contact comes with tickets, so that what follows changes contacts that have some.
        opening = [step for n, (made, count) in enumerate(first)
                   for step in [made] + [("ticket", n, 1 + k % 3) for k in range(count)]]
        contacts, tickets = _run(api, crm, opening + steps, contacts)
        for login in CALLERS:
            if api.get("/contacts.json", key=crm.key(login)).status_code == 403:
                # No right to list contacts anywhere (the outsider): no ticket list either.
                assert api.get("/tickets.json", key=crm.key(login)).status_code == 403, login
                continue
            expected = _expected(api, crm, login, tickets)
            whole = _listed(api, crm, login, "limit=100")
            assert [t["id"] for t in whole["tickets"]] == expected, login
            assert whole["total_count"] == len(expected), login
            page = _listed(api, crm, login, f"limit=2&offset={offset}")
            assert [t["id"] for t in page["tickets"]] == expected[offset:offset + 2], (login, offset)
            assert page["total_count"] == len(expected), login
            COUNTS["lists"] += 2
        assert consistency.check().problems == []
        COUNTS["worlds"] += 1
    finally:
        for contact in contacts:        # the next example starts from nothing
            api.delete(f"/contacts/{contact}.json", key=crm.admin)


def _listed(api, crm, login, query) -> dict:
    r = api.get(f"/tickets.json?{query}", key=crm.key(login))
    assert r.status_code == 200, (login, r.status_code, r.body[:300])
    return body_json(r)


def teardown_module(module):
    SUMMARY.append(f"ticket lists: {COUNTS['worlds']} generated CRMs, {COUNTS['lists']} lists compared with "
                   f"each caller's contact shows (TICKET_EXAMPLES={EXAMPLES})")
