from __future__ import annotations

import pytest

from charter.policy import PolicySet, load_policies


@pytest.fixture(scope="session")
def policies() -> PolicySet:
    return load_policies()
