"""The API describing itself, to anyone, without credentials: GET /openapi.json (the OpenAPI
3.1 document, chalicelib/web/openapi.py) and GET /docs, a Swagger UI page whose script and
style sheet the API serves too (GET /docs/swagger-ui-bundle.js, /docs/swagger-ui.css): it
works with no internet access. The assets are shipped in the deployment package
(chalicelib/vendor/swagger-ui, written by `make package`) or, locally, read from the
installed swagger-ui-py distribution."""
import importlib.util
import os

from chalicelib.services.errors import NotFound
from chalicelib.web.contract import Operation, Param, documented
from chalicelib.web.request import Reply, text_reply
from chalicelib.web.routing import Routes

routes = Routes()

ASSETS = {("swagger-ui-bundle", "js"): "text/javascript; charset=utf-8",
          ("swagger-ui", "css"): "text/css; charset=utf-8"}
PACKAGED = os.path.join(os.path.dirname(os.path.dirname(__file__)), "vendor", "swagger-ui")
_loaded = {}

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Contacts CRM API reference</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "openapi.json", dom_id: "#reference", deepLinking: true,
                             docExpansion: "list", defaultModelsExpandDepth: 0});
</script>
</body>
</html>
"""


def asset_directory():
    """Where the Swagger UI files are: in the package, else in the installed distribution."""
    if os.path.isdir(PACKAGED):
        return PACKAGED
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(list(spec.submodule_search_locations)[0], "static")


def asset(name: str, fmt: str) -> bytes:
    if (name, fmt) not in ASSETS:
        raise NotFound()
    if (name, fmt) not in _loaded:
        directory = asset_directory()
        path = os.path.join(directory, f"{name}.{fmt}") if directory else None
        if path is None or not os.path.isfile(path):
            raise NotFound()
        with open(path, encoding="utf-8") as handle:
            _loaded[(name, fmt)] = handle.read()
    return _loaded[(name, fmt)]


PUBLIC = {"public": True}


@documented(Operation("The OpenAPI 3.1 document of this API", "Reference", response="OpenAPIDocument", **PUBLIC))
@routes.get("/openapi", formats=("json",))
def openapi_document(req):
    import json

    from chalicelib.api import router
    from chalicelib.web import openapi
    return text_reply(json.dumps(openapi.document(router(), req.base_url)), "application/json; charset=utf-8")


@documented(Operation("This reference, as a page (Swagger UI, no internet access needed)", "Reference", **PUBLIC))
@routes.get("/docs", formats=("html",))
def reference_page(req):
    return text_reply(PAGE, "text/html; charset=utf-8")


@documented(Operation("The reference page's script and style sheet", "Reference", **PUBLIC,
                      path=(Param("asset", {"enum": sorted({name for name, _ in ASSETS})}),)))
@routes.get("/docs/{asset}", formats=("js", "css"))
def reference_asset(req):
    fmt = req.fmt
    reply = Reply(200, None, {"Content-Type": ASSETS.get((req.args["asset"], fmt), "text/plain"),
                              "Cache-Control": "public, max-age=86400"}, asset(req.args["asset"], fmt))
    return reply
