"""pytest fixtures: ``mockserver`` (in the test's loop) and ``mockserver_thread`` (session)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from .server import MockServer, run_mockserver


@pytest.fixture
async def mockserver(loop: asyncio.AbstractEventLoop) -> AsyncIterator[MockServer]:
    """Needs aiohttp's pytest plugin (its ``loop`` fixture runs async tests and fixtures)."""
    async with run_mockserver() as server:
        yield server


@pytest.fixture(scope="session")
def mockserver_thread() -> Iterator[MockServer]:
    with MockServer.in_thread() as server:
        yield server
