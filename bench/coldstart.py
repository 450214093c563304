"""Cold start: how long `import app` takes from the packaged zip, beside botocore alone and
chalice + pynamodb alone, each in a fresh interpreter that sees only the unzipped package
(python -S, bytecode never written, as on Lambda's read-only code directory).

    .venv/bin/python -m infra.package --stage dev     (or make package)
    .venv/bin/python bench/coldstart.py [build/dev/deployment.zip] [RUNS]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CASES = [
    ("python -S alone", "pass"),
    ("botocore alone", "import botocore.session, botocore.client"),
    ("chalice + pynamodb alone", "import chalice.app, pynamodb.models, pynamodb.connection"),
    ("app", "import app"),
    ("app + first request", "import app; app.app({'resource': '/{p1}', 'path': '/nothing', "
     "'httpMethod': 'GET', 'headers': {}, 'multiValueQueryStringParameters': None, "
     "'pathParameters': {'p1': 'nothing'}, 'requestContext': {'httpMethod': 'GET', "
     "'resourcePath': '/{p1}', 'stage': 'api'}, 'body': None, 'stageVariables': None}, None)"),
]


def timed(folder: str, code: str, runs: int) -> float:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1",
           "AWS_DEFAULT_REGION": "us-east-1", "STAGE": "dev"}
    program = f"import sys; sys.path.insert(0, {folder!r}); {code}"
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-S", "-c", program], check=True, env=env, cwd=folder)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main(argv) -> int:
    zip_path = argv[0] if argv else os.path.join(ROOT, "build", "dev", "deployment.zip")
    runs = int(argv[1]) if len(argv) > 1 else 15
    if not os.path.exists(zip_path):
        raise SystemExit(f"{zip_path} is missing: run `make package` first")
    with tempfile.TemporaryDirectory() as with_pyc, tempfile.TemporaryDirectory() as without_pyc:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(with_pyc)
            archive.extractall(without_pyc, members=[n for n in archive.namelist() if "__pycache__" not in n])
        print(f"{'median of ' + str(runs) + ' fresh interpreters':<34} {'bytecode':>9} {'source only':>12}")
        results = {}
        for name, code in CASES:
            results[name] = (timed(with_pyc, code, runs), timed(without_pyc, code, runs))
            print(f"{name:<34} {results[name][0]:>7.0f} ms {results[name][1]:>9.0f} ms")
        ratio = results["app"][0] / results["botocore alone"][0]
        print(f"app / botocore alone (bytecode): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
