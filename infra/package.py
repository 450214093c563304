"""`make package`: the deployment zip and CloudFormation template of a stage in build/<stage>/.

    python -m infra.package [--stage dev] [--out build] [--no-dependencies]

Runs `chalice package` with the locked runtime dependencies (infra/runtime.lock: those of
pyproject.toml, never the dev ones, and everything they pull in, each at an exact version) and
the resources of infra.template merged in, then adds precompiled bytecode to the zip: Lambda's
code directory is read-only, so without it every cold start compiles every module.

    python -m infra.package --lock      writes infra/runtime.lock again (`make lock`)
"""
import argparse
import importlib.util
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What chalice vendors itself, and what only the local stage and the command line use.
NOT_SHIPPED = {"chalice"}


LOCK = os.path.join(ROOT, "infra", "runtime.lock")
LOCK_HEADER = ("# Every package the deployed Lambda ships, with the exact version: the runtime dependencies of\n"
               "# pyproject.toml (chalice excepted) and what they pull in. `make lock` writes it again.\n")


def runtime_requirements() -> list:
    """The runtime dependencies of pyproject.toml that ship, as pinned there."""
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        dependencies = tomllib.load(handle)["project"]["dependencies"]
    return [d for d in dependencies if d.split("=")[0].split("[")[0].strip() not in NOT_SHIPPED]


def locked_requirements() -> list:
    with open(LOCK) as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


def write_lock() -> list:
    """Install the runtime dependencies into a scratch environment and record what it holds."""
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([sys.executable, "-m", "venv", scratch], check=True)
        pip = os.path.join(scratch, "bin", "pip")
        subprocess.run([pip, "install", "--quiet", *runtime_requirements()], check=True)
        frozen = subprocess.run([pip, "freeze"], check=True, capture_output=True, text=True).stdout
    with open(LOCK, "w") as handle:
        handle.write(LOCK_HEADER + frozen)
    return locked_requirements()


def _chalice() -> str:
    script = os.path.join(os.path.dirname(sys.executable), "chalice")
    return script if os.path.exists(script) else shutil.which("chalice")


def add_bytecode(zip_path: str) -> int:
    """Add an unchecked-hash .pyc beside every module: valid whatever the files' mtimes."""
    tag = sys.implementation.cache_tag
    added = 0
    with tempfile.TemporaryDirectory() as scratch:
        with zipfile.ZipFile(zip_path) as source:
            names = set(source.namelist())
            sources = [n for n in names if n.endswith(".py")]
            source.extractall(scratch, members=sources)
        with zipfile.ZipFile(zip_path, "a", compression=zipfile.ZIP_DEFLATED) as target:
            for name in sources:
                folder, module = os.path.split(name)
                compiled = f"{folder}/__pycache__/{module[:-3]}.{tag}.pyc".lstrip("/")
                if compiled in names:
                    continue
                output = os.path.join(scratch, compiled)
                try:
                    py_compile.compile(os.path.join(scratch, name), cfile=output, dfile=name, doraise=True,
                                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
                except py_compile.PyCompileError:
                    continue   # a file meant for another Python version; it stays as source
                target.write(output, compiled)
                added += 1
    return added


def ship_reference_assets(package_dir: str) -> None:
    """The Swagger UI script and style sheet GET /docs needs, from the swagger-ui-py
    distribution installed for development into chalicelib/vendor/swagger-ui: the function
    serves them itself and needs no internet access."""
    sys.path.insert(0, ROOT)
    from chalicelib.api.reference import ASSETS, asset_directory
    source = asset_directory()
    if source is None:
        raise SystemExit("swagger-ui-py is not installed: run `make install` first")
    target = os.path.join(package_dir, "vendor", "swagger-ui")
    os.makedirs(target, exist_ok=True)
    for name, fmt in ASSETS:
        shutil.copy(os.path.join(source, f"{name}.{fmt}"), target)
    shutil.copy(os.path.join(source, "LICENSE"), target)


def build(stage: str, out: str, dependencies: bool = True) -> str:
    """Write build/<stage>/sam.json and deployment.zip; returns the folder."""
    target = os.path.abspath(os.path.join(out, stage))
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    # Chalice packages the project folder: a scratch copy holds only what ships.
    with tempfile.TemporaryDirectory() as scratch:
        project = os.path.join(scratch, "project")
        os.makedirs(project)
        shutil.copy(os.path.join(ROOT, "app.py"), project)
        shutil.copytree(os.path.join(ROOT, "chalicelib"), os.path.join(project, "chalicelib"),
                        ignore=shutil.ignore_patterns("__pycache__", "local", "admin", "cli.py", "embedded.py",
                                                      "consistency.py"))
        ship_reference_assets(os.path.join(project, "chalicelib"))
        shutil.copytree(os.path.join(ROOT, ".chalice"), os.path.join(project, ".chalice"),
                        ignore=shutil.ignore_patterns("deployments", "venv"))
        with open(os.path.join(project, "requirements.txt"), "w") as handle:
            handle.write("\n".join(locked_requirements() if dependencies else []) + "\n")
        merge = os.path.join(scratch, "merge.json")
        sys.path.insert(0, ROOT)
        from infra.template import merge_template
        with open(merge, "w") as handle:
            json.dump(merge_template(stage), handle)
        env = dict(os.environ, AWS_DEFAULT_REGION=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
        subprocess.run([_chalice(), "--project-dir", project, "package", "--stage", stage,
                        "--merge-template", merge, target], check=True, env=env,
                       stdout=subprocess.DEVNULL)
    add_bytecode(os.path.join(target, "deployment.zip"))
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="dev", choices=["dev", "prod"])
    parser.add_argument("--out", default=os.path.join(ROOT, "build"))
    parser.add_argument("--no-dependencies", action="store_true",
                        help="leave the runtime dependencies out (template checks)")
    parser.add_argument("--lock", action="store_true", help="write infra/runtime.lock again, and stop")
    args = parser.parse_args(argv)
    if args.lock:
        print(f"{LOCK}: {len(write_lock())} packages")
        return 0
    if importlib.util.find_spec("chalice") is None:
        raise SystemExit("chalice is not installed: run `make install` first")
    target = build(args.stage, args.out, dependencies=not args.no_dependencies)
    size = os.path.getsize(os.path.join(target, "deployment.zip"))
    print(f"{target}/sam.json and deployment.zip ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
