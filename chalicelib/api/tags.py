"""GET /contacts_tags: the tags of the contacts the caller can see."""
from chalicelib.services import tags as rules
from chalicelib.web.document import Array, Document, Obj
from chalicelib.web.request import ok
from chalicelib.web.contract import Operation, documented
from chalicelib.web.routing import Routes

routes = Routes()


@documented(Operation("List the tags of the contacts the caller sees", "Contacts", response="TagList"))
@routes.get("/contacts_tags")
def list_tags(req):
    found = rules.visible_tags(req.caller)
    rows = [Obj([("id", tag_id), ("name", name), ("color", rules.color(name))])
            for tag_id, name, _count in found]
    return ok(Document("tags", Array("tag", rows), {"total_count": len(rows)}))
