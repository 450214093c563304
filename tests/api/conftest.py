"""Fixtures shared by the API tests."""
import pytest

from tests.api.contact_fixtures import Crm


@pytest.fixture
def crm(api, admin_key, people):
    world = Crm(api, admin_key, people)
    world.project("support")
    return world
