"""The layers keep to their jobs: only chalicelib/store speaks to DynamoDB and S3 (pynamodb,
botocore, boto3, moto), and the web layer reaches the store only through the services (its
one instrument excepted: the cost meter the edge logs each request's cost with)."""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
STORE_LIBRARIES = {"pynamodb", "botocore", "boto3", "moto"}


def _modules():
    for path in sorted([ROOT / "app.py", *(ROOT / "chalicelib").rglob("*.py"), *(ROOT / "infra").rglob("*.py")]):
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), filename=str(path))


def _imported(tree) -> set:
    """Every module name an import statement names, wherever it sits (inside functions too)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_the_store_imports_the_aws_libraries():
    offenders = {}
    for name, tree in _modules():
        if name.startswith("chalicelib/store/"):
            continue
        used = sorted(m for m in _imported(tree) if m.split(".")[0] in STORE_LIBRARIES)
        if used:
            offenders[name] = used
    assert offenders == {}


WEB_MAY_USE = {"chalicelib.store", "chalicelib.store.meter"}


def test_the_web_layer_reaches_the_store_only_through_the_services():
    offenders = {name: sorted(m for m in _imported(tree) if m.startswith("chalicelib.store") and m not in WEB_MAY_USE)
                 for name, tree in _modules() if name.startswith("chalicelib/web/")}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_views_reach_the_store_only_through_the_services():
    """chalicelib/api builds documents from the read models services hand it (read_models.py)."""
    offenders = {name: sorted(m for m in _imported(tree) if m.startswith("chalicelib.store"))
                 for name, tree in _modules() if name.startswith("chalicelib/api/")}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_only_the_admin_command_line_reaches_the_whole_table_reads():
    """store/consistency.py Scans (the checker, rebuild-indexes): no request path imports it,
    and the Lambda package leaves it out (tests/infra/test_package.py)."""
    users = sorted(name for name, tree in _modules()
                   if any(m.startswith("chalicelib.store.consistency") for m in _imported(tree)))
    assert users == ["chalicelib/cli.py"]


def test_the_walk_sees_what_it_looks_for():
    """The check above would pass on nothing: make sure it finds the store's own imports."""
    found = dict(_modules())
    assert "pynamodb.models" in _imported(found["chalicelib/store/crm.py"])
    assert "pynamodb.connection" in _imported(found["chalicelib/store/settings.py"])  # inside a function
