"""Views are pure: once a read model is built, rendering the documents makes no DynamoDB call
(every include of a contact, a deal with its notes, tickets, memberships, in both formats)."""
from chalicelib.api.contact_views import contact_row, contact_show
from chalicelib.api.deals import deal_view
from chalicelib.api.memberships import membership_view
from chalicelib.api.tickets import ticket_view
from chalicelib.services import contacts, deals, memberships, notes, tickets
from chalicelib.services.policy import Caller
from chalicelib.services.read_models import ContactPage, DealPage, MembershipPage, TicketPage
from chalicelib.services.users import by_login
from chalicelib.store import meter
from chalicelib.web.document import Document, encode
from tests.conftest import body_json

INCLUDES = {"notes", "contacts", "deals", "tickets", "issues"}


def _world(api, crm):
    crm.member("member", "support", "Manager")
    company = crm.contact(first_name="Acme", is_company=True, tag_list="vip")
    person = crm.contact(first_name="Ann", company="Acme", assigned_to_id=1)
    assert api.post(f"/contacts/{company}/notes.json", {"note": {"content": "Called"}},
                    key=crm.admin).status_code == 201
    assert api.post("/tickets.json", {"ticket": {"subject": "Help", "contact_id": company}},
                    key=crm.admin).status_code == 201
    r = api.post("/projects/support/deals.json", {"deal": {"name": "Big", "contact_id": company,
                                                           "related_contact_ids": [person]}}, key=crm.admin)
    assert r.status_code == 201, r.body
    deal = body_json(r)["deal"]["id"]
    assert api.post("/notes.json", {"note": {"content": "Offer", "source_type": "Deal", "source_id": deal}},
                    key=crm.admin).status_code == 201
    return company, deal


def _rendered_without_calls(documents):
    with meter.measure() as cost:
        encoded = [encode(document, fmt) for document in documents for fmt in ("json", "xml")]
    assert cost.calls == 0, cost.line()
    return encoded


def test_rendering_reads_nothing(api, crm):
    company_id, deal_id = _world(api, crm)
    for login in ("admin", "member"):
        caller = Caller(by_login(login))
        company = contacts.find(caller, company_id)
        deal = deals.find(caller, deal_id)
        ticket = tickets.of_contact(company)[0]
        membership = memberships.of_project(caller, "support")[1][0]
        contact_page = ContactPage(caller, [company], notes=notes.of_source(company),
                                   deals=deals.of_contact(caller, company), tickets=[ticket], company=company)
        deal_page = DealPage(caller, [deal], notes=notes.of_source(deal))
        ticket_page = TicketPage(caller, [ticket])
        membership_page = MembershipPage(caller, [membership])
        with meter.measure() as cost:
            documents = [Document("contact", contact_show(company, contact_page, INCLUDES)),
                         Document("contact", contact_row(company, contact_page, include_projects=True)),
                         Document("deal", deal_view(deal, deal_page)),
                         Document("ticket", ticket_view(ticket, ticket_page)),
                         Document("membership", membership_view(membership, membership_page))]
        assert cost.calls == 0, cost.line()
        encoded = _rendered_without_calls(documents)
        shown = encoded[0]
        for part in ('"notes"', '"contacts":[{"id":', '"deals"', '"tickets"', '"issues"', '"projects"'):
            assert part in shown, (login, part)
        assert '"notes":[{"id"' in encoded[4] and '"related_contacts":[{"id"' in encoded[4]
