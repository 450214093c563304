"""moto's CloudFormation creates the tables slice of the template, and the models work on
the tables it made: a contact created, then listed by project, by tag and by assignee."""
import json

import boto3
import moto
import pytest

from infra.tables import resources


@pytest.fixture(autouse=True)
def aws():
    """A bare account: the tables come from the stack, not from the models."""
    with moto.mock_aws():
        yield


def test_models_work_on_tables_made_from_the_template():
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(StackName="contacts-tables",
                                TemplateBody=json.dumps({"Resources": resources("test")}))
    status = cloudformation.describe_stacks(StackName="contacts-tables")["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE"

    from chalicelib.services import contact_lists, contacts, projects, users
    from chalicelib.services.defaults import ensure_defaults
    from chalicelib.services.policy import Caller
    from chalicelib.web.pagination import page_from

    ensure_defaults()
    admin, _ = users.create_account({"login": "cfn", "firstname": "C", "lastname": "F",
                                     "mail": "cfn@example.com", "password": "cfn-password"}, admin=True)
    caller = Caller(admin)
    projects.create(caller, {"name": "Support", "identifier": "support"})
    created = contacts.create(caller, {"first_name": "Stack", "tag_list": "vip",
                                       "assigned_to_id": admin.id}, "support")
    for params in ({"project_id": "support"}, {"tags": "vip"}, {"assigned_to_id": str(admin.id)}, {}):
        total, found = contact_lists.run(Caller(admin), contact_lists.parse(Caller(admin), params),
                                         page_from({}))
        assert (total, [int(c.id) for c in found]) == (1, [int(created.id)]), params
