"""Tickets: GET/POST /tickets, GET/PUT/DELETE /tickets/:id."""
from chalicelib.services import policy
from chalicelib.services import tickets as rules
from chalicelib.services.validation import section
from chalicelib.store import contacts as contact_store
from chalicelib.web.document import Document, Obj, ref
from chalicelib.web.request import created, done, listing, ok
from chalicelib.web.routing import Routes

routes = Routes()


def status_ref(ticket) -> Obj:
    return ref(int(ticket.status_id), rules.STATUSES.get(int(ticket.status_id), ""))


def ticket_summary(ticket) -> Obj:
    """The shape of include=tickets (and include=issues) on a contact."""
    return Obj([("id", int(ticket.id)), ("subject", ticket.subject), ("status", status_ref(ticket)),
                ("due_date", ticket.due_date), ("created_on", ticket.created_on), ("updated_on", ticket.updated_on)])


def ticket_view(ticket, caller, contact_name=None) -> Obj:
    project = caller.project(ticket.project_id)
    fields = [("id", int(ticket.id)), ("subject", ticket.subject), ("description", ticket.description),
              ("status", status_ref(ticket)), ("due_date", ticket.due_date),
              ("contact", ref(int(ticket.contact_id), contact_name or ""))]
    if project is not None and policy.sees_project(caller, project):
        fields.append(("project", ref(int(project.id), project.name)))
    return Obj(fields + [("created_on", ticket.created_on), ("updated_on", ticket.updated_on)])


@routes.get("/tickets")
def list_tickets(req):
    tickets = rules.listed(req.caller, req.query)
    page = req.page()
    names = {c_id: e.name for c_id, e in
             contact_store.entries_by_id({int(t.contact_id) for t in page.slice(tickets)}).items()}
    return listing("tickets", "ticket", tickets, page,
                   lambda t: ticket_view(t, req.caller, names.get(int(t.contact_id))))


@routes.get("/tickets/{id}")
def show_ticket(req):
    ticket, contact = rules.find(req.caller, req.args["id"])
    return ok(Document("ticket", ticket_view(ticket, req.caller, contact_store.display_name(contact))))


@routes.post("/tickets")
def create_ticket(req):
    ticket, contact = rules.create(req.caller, section(req.params, "ticket"))
    return created(Document("ticket", ticket_view(ticket, req.caller, contact_store.display_name(contact))),
                   req.url(f"/tickets/{ticket.id}"))


@routes.update("/tickets/{id}")
def update_ticket(req):
    rules.update(req.caller, req.args["id"], section(req.params, "ticket"))
    return done()


@routes.delete("/tickets/{id}")
def delete_ticket(req):
    rules.delete(req.caller, req.args["id"])
    return done()
