"""The Chalice application: the HTTP edge with every resource's routes, and the consumer of the
crm table's stream that keeps the contacts' index entries and the search index."""
import logging

from chalice import Chalice

from chalicelib import config
from chalicelib.api import router
from chalicelib.web.edge import gateway

logging.getLogger("contacts_api").setLevel(config.LOG_LEVEL)
app = Chalice(app_name="contacts-api")
# Form posts must reach the handler byte for byte behind API Gateway, and avatars leave it so.
app.api.binary_types.extend(["multipart/form-data", "image/webp"])
app.register_blueprint(gateway(router()))


@app.on_dynamodb_record(stream_arn=config.CRM_STREAM_ARN, batch_size=100, starting_position="TRIM_HORIZON")
def indexes(event):
    """The index entries and the search index follow the contacts (chalicelib/consumers)."""
    from chalicelib.consumers import crm_stream
    crm_stream.handle(event.to_dict().get("Records", []))
