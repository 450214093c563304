"""Notes: GET/PUT/DELETE /notes/:id, POST /notes and POST /contacts/:id/notes."""
from chalicelib.services import notes as rules
from chalicelib.services.validation import section
from chalicelib.store import contacts as contact_store
from chalicelib.web.document import Document, Obj
from chalicelib.web.request import created, done, ok
from chalicelib.web.routing import Routes

routes = Routes()


def note_fields(note, rendering) -> list:
    fields = [("content", note.content), ("type_id", None if note.type_id is None else int(note.type_id))]
    author = rendering.user_ref(note.author_id)
    if author is not None:
        fields.append(("author", author))
    return fields + [("created_on", note.created_on), ("updated_on", note.updated_on)]


def note_view(note, contact, rendering) -> Obj:
    source = Obj([("id", int(contact.id)), ("name", contact_store.display_name(contact)), ("type", "Contact")],
                 attrs=("id", "name", "type"))
    return Obj([("id", int(note.id)), ("source", source), ("subject", note.subject)] + note_fields(note, rendering))


def _document(req, note, contact) -> Document:
    from .contact_views import Rendering
    return Document("note", note_view(note, contact, Rendering(req.caller, [], users_of=[note])))


@routes.get("/notes/{id}")
def show_note(req):
    note, contact = rules.find(req.caller, req.args["id"])
    return ok(_document(req, note, contact))


def _create(req, source_id):
    data = section(req.params, "note")
    source_type = data.get("source_type") or req.params.get("source_type")
    note, contact = rules.create(req.caller, data, source_type, source_id)
    return created(_document(req, note, contact), req.url(f"/notes/{note.id}"))


@routes.post("/notes")
def create_note(req):
    data = section(req.params, "note")
    return _create(req, data.get("source_id") if data.get("source_id") not in (None, "") else req.params.get("source_id"))


@routes.post("/contacts/{id}/notes")
def create_contact_note(req):
    return _create(req, req.args["id"])


@routes.put("/notes/{id}")
def update_note(req):
    rules.update(req.caller, req.args["id"], section(req.params, "note"))
    return done()


@routes.delete("/notes/{id}")
def delete_note(req):
    rules.delete(req.caller, req.args["id"])
    return done()
