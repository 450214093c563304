"""Notes: GET/PUT/DELETE /notes/:id, POST /notes, POST /contacts/:id/notes and
POST /deals/:id/notes."""
from chalicelib.services import notes as rules
from chalicelib.services.read_models import Names
from chalicelib.services.validation import section
from chalicelib.web.document import Document, Obj
from chalicelib.web.request import created, done, ok
from chalicelib.web.contract import Operation, documented
from chalicelib.web.routing import Routes

from .field_values import user_ref

routes = Routes()


def note_fields(note, names) -> list:
    fields = [("content", note.content), ("type_id", None if note.type_id is None else int(note.type_id))]
    author = user_ref(names, note.author_id)
    if author is not None:
        fields.append(("author", author))
    return fields + [("created_on", note.created_on), ("updated_on", note.updated_on)]


def note_view(note, source, names) -> Obj:
    source = Obj([("id", int(source.record.id)), ("name", source.name), ("type", source.kind)],
                 attrs=("id", "name", "type"))
    return Obj([("id", int(note.id)), ("source", source), ("subject", note.subject)] + note_fields(note, names))


def _document(req, note, source) -> Document:
    return Document("note", note_view(note, source, Names([note.author_id])))


@documented(Operation("Show a note", "Notes", response="Note"))
@routes.get("/notes/{id}")
def show_note(req):
    note, source = rules.find(req.caller, req.args["id"])
    return ok(_document(req, note, source))


def _create(req, source_id, source_type=None):
    data = section(req.params, "note")
    source_type = source_type or data.get("source_type") or req.params.get("source_type")
    note, source = rules.create(req.caller, data, source_type, source_id)
    return created(_document(req, note, source), req.url(f"/notes/{note.id}"))


@documented(Operation("Create a note on a contact or deal", "Notes", response="Note", status=201, request="NoteBody"))
@routes.post("/notes")
def create_note(req):
    data = section(req.params, "note")
    return _create(req, data.get("source_id") if data.get("source_id") not in (None, "") else req.params.get("source_id"))


@documented(Operation("Create a note on a contact", "Notes", response="Note", status=201, request="NoteBody"))
@routes.post("/contacts/{id}/notes")
def create_contact_note(req):
    return _create(req, req.args["id"], "Contact")


@documented(Operation("Create a note on a deal", "Notes", response="Note", status=201, request="NoteBody"))
@routes.post("/deals/{id}/notes")
def create_deal_note(req):
    return _create(req, req.args["id"], "Deal")


@documented(Operation("Update a note", "Notes", status=204, request="NoteBody"))
@routes.update("/notes/{id}")
def update_note(req):
    rules.update(req.caller, req.args["id"], section(req.params, "note"))
    return done()


@documented(Operation("Delete a note", "Notes", status=204))
@routes.delete("/notes/{id}")
def delete_note(req):
    rules.delete(req.caller, req.args["id"])
    return done()
