"""Shared fixtures: the app with a fake inventory service."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from orders.api import app, get_inventory
from tests.fakes import FakeInventory


@pytest.fixture
def inventory() -> FakeInventory:
    return FakeInventory()


@pytest.fixture
def client(inventory: FakeInventory) -> Iterator[TestClient]:
    app.dependency_overrides[get_inventory] = lambda: inventory
    with TestClient(app) as client:
        yield client
    app.dependency_overrides.clear()
