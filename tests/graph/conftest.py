"""Fixtures shared by the Graph client tests."""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
