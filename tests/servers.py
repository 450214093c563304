"""Real servers for tests that talk HTTP: the API as `make serve` runs it, in a subprocess."""
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment():
    """The test process's environment (DYNAMODB_ENDPOINT only where a test sets it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update(STAGE="local", PYTHONPATH=ROOT, PASSWORD_HASH_ITERATIONS="1000")
    env.pop("LOG_LEVEL", None)
    return env


class Server:
    def __init__(self, data_file, start_timeout=30):
        self.port = free_port()
        # The log goes to a file: a pipe nobody reads until the end fills up after a few
        # hundred requests and then blocks the server.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "chalicelib.local.server", "--port", str(self.port),
             "--data", str(data_file)], cwd=ROOT, env=environment(),
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + start_timeout
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        raise AssertionError("server did not start: " + self.stop())

    def request(self, method, path, body=None, auth=("admin", "admin"), content_type=None, timeout=10):
        headers = {"Authorization": "Basic " + base64.b64encode(":".join(auth).encode()).decode(),
                   "Accept": "*/*"}
        data = None
        if isinstance(body, bytes):
            data = body
            headers["Content-Type"] = content_type or "application/octet-stream"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                         headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def stop(self, sig=signal.SIGTERM, timeout=10) -> str:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(timeout=timeout)
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")
