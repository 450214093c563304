"""Tickets: GET/POST /tickets, GET/PUT/DELETE /tickets/:id."""
from chalicelib.services import policy
from chalicelib.services import tickets as rules
from chalicelib.services.read_models import TicketPage
from chalicelib.services.validation import section
from chalicelib.web.document import Array, Document, Obj, ref
from chalicelib.web.request import created, done, ok
from chalicelib.web.contract import Operation, Param, documented
from chalicelib.web.routing import Routes

routes = Routes()

TICKET_FILTERS = (Param("contact_id", {"type": "integer"}, "the ticket's contact"),
                  Param("status_id", {"type": "integer"}, "1 New, 2 Open, 3 Closed"))


def status_ref(ticket) -> Obj:
    return ref(int(ticket.status_id), rules.STATUSES.get(int(ticket.status_id), ""))


def ticket_summary(ticket) -> Obj:
    """The shape of include=tickets (and include=issues) on a contact."""
    return Obj([("id", int(ticket.id)), ("subject", ticket.subject), ("status", status_ref(ticket)),
                ("due_date", ticket.due_date), ("created_on", ticket.created_on), ("updated_on", ticket.updated_on)])


def ticket_view(ticket, page) -> Obj:
    project = page.caller.project(ticket.project_id)
    fields = [("id", int(ticket.id)), ("subject", ticket.subject), ("description", ticket.description),
              ("status", status_ref(ticket)), ("due_date", ticket.due_date),
              ("contact", ref(int(ticket.contact_id), page.names.get(int(ticket.contact_id), "")))]
    if project is not None and policy.sees_project(page.caller, project):
        fields.append(("project", ref(int(project.id), project.name)))
    return Obj(fields + [("created_on", ticket.created_on), ("updated_on", ticket.updated_on)])


@documented(Operation("List tickets", "Tickets", response="TicketList", listing=True, query=TICKET_FILTERS))
@routes.get("/tickets")
def list_tickets(req):
    page = req.page()
    total, shown = rules.listed(req.caller, req.query, page)
    names = TicketPage(req.caller, shown)
    return ok(Document("tickets", Array("ticket", [ticket_view(t, names) for t in shown]), page.meta(total)))


@documented(Operation("Show a ticket", "Tickets", response="Ticket"))
@routes.get("/tickets/{id}")
def show_ticket(req):
    ticket, contact = rules.find(req.caller, req.args["id"])
    return ok(Document("ticket", ticket_view(ticket, TicketPage(req.caller, [ticket], contact))))


@documented(Operation("Create a ticket", "Tickets", response="Ticket", status=201, request="TicketBody"))
@routes.post("/tickets")
def create_ticket(req):
    ticket, contact = rules.create(req.caller, section(req.params, "ticket"))
    return created(Document("ticket", ticket_view(ticket, TicketPage(req.caller, [ticket], contact))),
                   req.url(f"/tickets/{ticket.id}"))


@documented(Operation("Update a ticket", "Tickets", status=204, request="TicketBody"))
@routes.update("/tickets/{id}")
def update_ticket(req):
    rules.update(req.caller, req.args["id"], section(req.params, "ticket"))
    return done()


@documented(Operation("Delete a ticket", "Tickets", status=204))
@routes.delete("/tickets/{id}")
def delete_ticket(req):
    rules.delete(req.caller, req.args["id"])
    return done()
