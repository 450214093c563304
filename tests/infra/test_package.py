"""The packaged template passes cfn-lint and says what the deployment promises; the zip
carries bytecode and nothing of the tests or the local tooling."""
import json
import os
import subprocess
import sys
import zipfile

import pytest

from infra.package import build, locked_requirements, runtime_requirements
from infra.template import DYNAMODB_ACTIONS, S3_ACTIONS, STREAM_ACTIONS


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    return {stage: build(stage, str(out), dependencies=False) for stage in ("dev", "prod")}


def template(packaged, stage):
    with open(os.path.join(packaged[stage], "sam.json")) as handle:
        return json.load(handle)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_cfn_lint_passes(packaged, stage):
    lint = os.path.join(os.path.dirname(sys.executable), "cfn-lint")
    result = subprocess.run([lint, os.path.join(packaged[stage], "sam.json")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_template_holds_tables_throttling_and_the_404_fallback(packaged):
    resources = template(packaged, "prod")["Resources"]
    assert resources["DirectoryTable"]["Properties"]["TableName"] == "contacts-api-prod-directory"
    assert resources["CrmTable"]["Properties"]["DeletionProtectionEnabled"] is True
    settings = resources["RestAPI"]["Properties"]["MethodSettings"]
    assert settings == [{"HttpMethod": "*", "ResourcePath": "/*", "ThrottlingBurstLimit": 200,
                         "ThrottlingRateLimit": 100}]
    bucket = resources["FilesBucket"]
    assert bucket["Properties"]["BucketName"] == "contacts-api-prod-files"
    assert bucket["Properties"]["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    assert bucket["DeletionPolicy"] == "Retain"
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rules[0] == {"Id": "unclaimed-uploads", "Status": "Enabled", "ExpirationInDays": 2,
                        "TagFilters": [{"Key": "claimed", "Value": "no"}]}
    fallback = resources["UnknownPathIsNotFound"]["Properties"]
    assert (fallback["ResponseType"], fallback["StatusCode"]) == ("MISSING_AUTHENTICATION_TOKEN", "404")
    handler = resources["APIHandler"]["Properties"]
    assert handler["Environment"]["Variables"]["CRM_TABLE"] == "contacts-api-prod-crm"
    assert handler["MemorySize"] == 512 and handler["Runtime"] == "python3.11"
    body = resources["RestAPI"]["Properties"]["DefinitionBody"]
    assert "multipart/form-data" in body["x-amazon-apigateway-binary-media-types"]


def test_the_role_may_do_only_what_the_code_does_on_its_own_tables(packaged):
    policies = template(packaged, "dev")["Resources"]["DefaultRole"]["Properties"]["Policies"]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    actions = [a for s in statements for a in s["Action"]]
    assert not [a for a in actions if "*" in a]
    tables = next(s for s in statements if any(a.startswith("dynamodb:") for a in s["Action"]))
    files = next(s for s in statements if any(a.startswith("s3:") for a in s["Action"]))
    assert sorted(files["Action"]) == sorted(S3_ACTIONS)
    assert files["Resource"] == {"Fn::Sub": "${FilesBucket.Arn}/attachments/*"}
    assert sorted(tables["Action"]) == sorted(DYNAMODB_ACTIONS)
    assert tables["Resource"] == [{"Fn::GetAtt": ["CrmTable", "Arn"]}, {"Fn::Sub": "${CrmTable.Arn}/index/*"},
                                  {"Fn::GetAtt": ["DirectoryTable", "Arn"]},
                                  {"Fn::Sub": "${DirectoryTable.Arn}/index/*"}]
    stream = next(s for s in statements if "dynamodb:GetRecords" in s["Action"])
    assert sorted(stream["Action"]) == sorted(STREAM_ACTIONS)
    assert stream["Resource"] == {"Fn::GetAtt": ["CrmTable", "StreamArn"]}
    logs = next(s for s in statements if s not in (tables, files, stream))
    assert all(a.startswith("logs:") for a in logs["Action"])


def test_the_index_consumer_reads_the_crm_tables_own_stream(packaged):
    resources = template(packaged, "prod")["Resources"]
    assert resources["CrmTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "KEYS_ONLY"}
    consumer = resources["Indexes"]["Properties"]
    assert consumer["Handler"] == "app.indexes"
    assert consumer["Environment"]["Variables"]["CRM_TABLE"] == "contacts-api-prod-crm"
    source = consumer["Events"]["IndexesDynamodbEventSource"]["Properties"]
    assert source["Stream"] == {"Fn::GetAtt": ["CrmTable", "StreamArn"]}
    assert (source["StartingPosition"], source["BisectBatchOnFunctionError"]) == ("TRIM_HORIZON", True)


def test_the_zip_carries_bytecode_and_no_tooling(packaged):
    with zipfile.ZipFile(os.path.join(packaged["dev"], "deployment.zip")) as archive:
        names = set(archive.namelist())
        pyc = archive.read(f"chalicelib/web/__pycache__/edge.{sys.implementation.cache_tag}.pyc")
    assert f"__pycache__/app.{sys.implementation.cache_tag}.pyc" in names
    assert int.from_bytes(pyc[4:8], "little") == 1     # hash-based, never checked against mtimes
    assert not [n for n in names if n.startswith(("tests/", "bench/", "chalicelib/local/", "moto/",
                                                  "boto3/", "pytest/"))]
    assert not {"chalicelib/cli.py", "chalicelib/store/embedded.py", "chalicelib/store/consistency.py"} & names


def test_the_zip_carries_the_reference_pages_assets(packaged):
    """GET /docs works without internet access: its script and style sheet ship in the zip."""
    with zipfile.ZipFile(os.path.join(packaged["dev"], "deployment.zip")) as archive:
        names = set(archive.namelist())
        script = archive.read("chalicelib/vendor/swagger-ui/swagger-ui-bundle.js")
    assert {"chalicelib/vendor/swagger-ui/swagger-ui.css", "chalicelib/vendor/swagger-ui/LICENSE"} <= names
    assert b"SwaggerUIBundle" in script


def test_runtime_requirements_leave_out_dev_dependencies():
    names = [r.split("==")[0] for r in runtime_requirements()]
    assert names == ["pynamodb", "defusedxml", "multipart", "pycountry", "vobject", "google-re2"]


def test_the_lock_pins_every_runtime_dependency_as_pyproject_does():
    """The lock holds exactly one version of each package, every pyproject pin among them, and
    what the installed environment runs (so tests run what ships)."""
    from importlib.metadata import version
    locked = dict(line.split("==") for line in locked_requirements())
    assert len(locked) == len(locked_requirements())
    for requirement in runtime_requirements():
        name, pinned = requirement.split("==")
        assert locked[name] == pinned, name
    for name, pinned in locked.items():
        assert version(name) == pinned, name


def test_importing_the_app_loads_no_optional_module():
    code = ("import sys, app; print(','.join(m for m in ('defusedxml', 'multipart', 'pycountry', 'vobject', 're2', 'moto', "
            "'boto3', 'chalicelib.web.xmlbody', 'chalicelib.local', 'chalicelib.store.consistency') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
