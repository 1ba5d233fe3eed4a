"""Shared fixtures for the app tests: one in-process HTTP client per module, and the trace schema validator."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from app.main import app
from engine import trace_schema

with warnings.catch_warnings():
    # Starlette's TestClient warns that it wants `httpx2`; the httpx we have works, so the notice is noise.
    warnings.filterwarnings("ignore", message=r".*httpx.*deprecated", category=Warning)
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """The app over in-process HTTP; server errors come back as 500 responses so tests can assert on them."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def trace_validator() -> Draft202012Validator:
    schema = trace_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def strict_json(text: str) -> Any:
    """Parse `text` as standard JSON: the NaN, Infinity and -Infinity tokens Python accepts are refused."""

    def refuse(token: str) -> Any:
        raise ValueError(f"{token} is not a JSON value")

    return json.loads(text, parse_constant=refuse)
