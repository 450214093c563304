"""`make serve`: the whole API on http://localhost:3000 over the embedded store (or the
DynamoDB at DYNAMODB_ENDPOINT), with a development admin `admin` / `admin`."""
import argparse
import faulthandler
import logging
import os
import signal
import sys

log = logging.getLogger("contacts_api.local")


def _handler_class(app, chalice_config):
    """An HTTP handler that hands each request to Chalice's local API Gateway, as `chalice
    local` does, with one difference: a path no route matches gets Redmine's empty 404 (the
    deployed API maps API Gateway's 403 the same way)."""
    import base64
    from http.server import BaseHTTPRequestHandler

    from chalice.local import ForbiddenError, LocalGateway, LocalGatewayException

    gateway = LocalGateway(app, chalice_config)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length > 0 else None
            try:
                response = gateway.handle_request(method=self.command, path=self.path,
                                                  headers=dict(self.headers), body=body)
            except ForbiddenError:
                self._send(404, {}, b"")
                return
            except LocalGatewayException as error:
                self._send(error.CODE, dict(error.headers or {}), error.body)
                return
            headers = {**response["headers"], **response["multiValueHeaders"]}
            payload = response["body"]
            if response.get("isBase64Encoded"):
                payload = base64.b64decode(payload)
            self._send(response["statusCode"], headers, payload)

        def _send(self, status: int, headers: dict, body):
            body = body if isinstance(body, bytes) else (body or "").encode("utf-8")
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() == "content-length":
                    continue
                for one in value if isinstance(value, list) else [value]:
                    self.send_header(name, one)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _answer

        def log_message(self, fmt, *args):
            log.debug(fmt, *args)

    return Handler


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 3000)))
    parser.add_argument("--data", default=None, help="data file of the embedded store")
    args = parser.parse_args(argv)
    os.environ.setdefault("STAGE", "local")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("pynamodb", "botocore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from chalicelib import config
    from chalicelib.local.backend import open_store, wants_embedded
    embedded = wants_embedded()
    from chalicelib.store.embedded import StoreInUse
    try:
        store = open_store(embedded, args.data)
    except StoreInUse as error:
        log.error("%s", error)
        return 2
    if embedded:
        log.info("embedded DynamoDB (moto); data kept in %s", store.path)
    else:
        log.info("DynamoDB at %s", config.DYNAMODB_ENDPOINT or "AWS")

    if config.STAGE == "local":
        from chalicelib.services.users import ensure_development_admin
        if ensure_development_admin() is not None:
            if store is not None:
                store.save()
            log.warning("!!! DEVELOPMENT ADMIN CREATED: login 'admin', password 'admin'. "
                        "Local stage only: never use this store for anything real. !!!")

    local_host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "::", "::1") else args.host
    config.SERVER_URL = f"http://{local_host}:{args.port}"

    from http.server import ThreadingHTTPServer

    from chalice.config import Config
    from chalice.local import LocalChalice

    class Listener(ThreadingHTTPServer):
        """Room for many clients connecting at once (the standard library's backlog of 5
        resets the connections of the sixth and later)."""
        request_queue_size = 128
        daemon_threads = True

    from app import app
    # Requests are answered on many threads: each sees its own current_request, as under
    # `chalice local` (LocalChalice keeps it thread-local).
    app.__class__ = type("LocalApp", (LocalChalice, type(app)), {})
    chalice_config = Config.create(chalice_stage="local", app_name=config.APP_NAME)
    server = Listener((args.host, args.port), _handler_class(app, chalice_config))
    log.info("serving the Contacts API on http://%s:%s", args.host, args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    faulthandler.register(signal.SIGUSR1)    # `kill -USR1 <pid>` prints every thread's stack
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):     # Ctrl-C, or SIGTERM through sys.exit
        pass
    finally:
        if store is not None:
            store.close()
    # Everything answered is on disk; tearing down a large in-memory store object by object
    # would only make the stop take seconds.
    logging.shutdown()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
