"""One module decides who sees and may change what: nothing else in the application asks a
caller for a permission or a project's visibility itself."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2] / "chalicelib"
POLICY = ROOT / "services" / "policy.py"
# The rule's own vocabulary: permission lookups and project visibility of a Caller.
DECIDING = re.compile(r"\.(allowed|allowed_in|projects_with|permissions_in|can_see_project)\(")


def test_no_module_but_the_policy_decides():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if path == POLICY:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if DECIDING.search(line):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_pattern_finds_what_it_looks_for():
    assert DECIDING.search('if caller.allowed("view_contacts", project):')
    assert DECIDING.search("caller.can_see_project(p)")
    assert not DECIDING.search("policy.sees_project(caller, p)")
    assert DECIDING.search(POLICY.read_text())
