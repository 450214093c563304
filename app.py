"""The Chalice application: the HTTP edge with every resource's routes, nothing else."""
import logging

from chalice import Chalice

from chalicelib import config
from chalicelib.api import ROUTE_TABLES
from chalicelib.web.edge import gateway
from chalicelib.web.routing import Router

logging.getLogger("contacts_api").setLevel(config.LOG_LEVEL)
app = Chalice(app_name="contacts-api")
# Form posts must reach the handler byte for byte behind API Gateway, and avatars leave it so.
app.api.binary_types.extend(["multipart/form-data", "image/webp"])
app.register_blueprint(gateway(Router(ROUTE_TABLES)))
