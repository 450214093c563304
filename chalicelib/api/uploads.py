"""POST /uploads (the raw file; an image becomes an avatar through its token) and
GET /attachments/:id (the file, to whoever sees its contact)."""
from chalicelib.services import avatars as rules
from chalicelib.web.document import Document, Obj
from chalicelib.web.request import Reply, created
from chalicelib.web.contract import Operation, documented
from chalicelib.web.routing import Routes

routes = Routes()
IMAGE_EXTENSIONS = ("json", "xml", "png", "jpg", "jpeg", "gif", "webp")


@documented(Operation("Upload an avatar image (the body is the file)", "Uploads", response="Upload", status=201, description="Content-Type: application/octet-stream; PNG, JPEG, GIF or WebP. Attach it with the token."))
@routes.post("/uploads", raw_body=True, max_body_bytes=rules.MAX_BYTES)   # the body is the file itself
def upload(req):
    attachment = rules.upload(req.caller, req.raw_body)
    return created(Document("upload", Obj([("token", attachment.token)])), req.url(f"/attachments/{attachment.id}"))



@documented(Operation("Download an avatar", "Uploads"))
@routes.get("/attachments/{id}", formats=IMAGE_EXTENSIONS)
def show_attachment(req):
    attachment, content = rules.readable(req.caller, req.args["id"])
    return Reply(200, None, {"Content-Type": attachment.content_type,
                             "Cache-Control": "private, max-age=3600"}, content)
