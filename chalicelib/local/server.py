"""`make serve`: the whole API on http://localhost:3000 over the embedded store (or the
DynamoDB at DYNAMODB_ENDPOINT), with a development admin `admin` / `admin`."""
import argparse
import faulthandler
import logging
import os
import signal
import sys

log = logging.getLogger("contacts_api.local")


def _handler_class(store):
    from chalice.local import ChaliceRequestHandler, ForbiddenError

    class Handler(ChaliceRequestHandler):
        """Chalice's local handler, plus: unknown deep paths get Redmine's empty 404 (as the
        deployed API maps API Gateway's 403). Every answered write is already in the embedded
        store's journal when the answer goes out."""

        def _send_error_response(self, error):
            if isinstance(error, ForbiddenError):
                self._send_http_response(404, {}, None)
                return
            super()._send_error_response(error)

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
    store = open_store(embedded, args.data)
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

    from chalice.config import Config
    from chalice.local import CustomLocalChalice, LocalChalice, LocalDevServer, ThreadedHTTPServer

    class Listener(ThreadedHTTPServer):
        """Room for many clients connecting at once (the standard library's backlog of 5
        resets the connections of the sixth and later)."""
        request_queue_size = 128
        daemon_threads = True

    from app import app
    # What chalice.local.create_local_server does, with our request handler.
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    server = LocalDevServer(app, Config.create(chalice_stage="local", app_name=config.APP_NAME),
                            args.host, args.port, handler_cls=_handler_class(store), server_cls=Listener)
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
