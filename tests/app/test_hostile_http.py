"""Hostile requests over HTTP: every one gets a JSON error with the right status, never a 500 or a hang."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import event, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from starlette.types import Receive, Scope, Send

import app.routes.api
from app.presets import BY_ID, PRESETS
from app.security import BodyLimit
from app.settings import SETTINGS
from tests.app.conftest import strict_json
from tests.engine.lang.test_hostile import HOSTILE

JSON = {"content-type": "application/json"}
LIMIT = SETTINGS.max_body_bytes
CS231N = BY_ID["cs231n"].source
VECTOR = "x = [1, 2]\nf = sum(x)"


def post_raw(client: TestClient, body: bytes | str, headers: dict[str, str] | None = None) -> Any:
    return client.post("/api/trace", content=body, headers=headers or JSON)


def error_of(response: Any, status: int) -> dict[str, Any]:
    """The response's error object, after checking the status and the error shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = strict_json(response.text)
    assert set(body) == {"error"} and set(body["error"]) == {"kind", "message", "line", "column"}
    assert body["error"]["message"] and body["error"]["line"] >= 1 and body["error"]["column"] >= 1
    return body["error"]


# -- program errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "kind", "line", "column"), HOSTILE, ids=[f"{i}-{h[1]}" for i, h in enumerate(HOSTILE)]
)
def test_hostile_programs_get_the_engines_error_kind_and_position_over_http(
    client: TestClient, source: str, kind: str, line: int, column: int
) -> None:
    body = json.dumps({"source": source})
    if len(body.encode()) > LIMIT:
        # the body cap answers first: these sources never reach the engine over HTTP
        assert error_of(post_raw(client, body), 413)["kind"] == "too-large"
        return
    error = error_of(post_raw(client, body), 400)
    assert (error["kind"], error["line"], error["column"]) == (kind, line, column), error["message"]


# -- malformed requests ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line", "column"),
    [
        ('{"source": "x = 1",\n "values": {1}}', 2, 13),
        ('{"source": "x = 1"', 1, 19),
        ('{"source": "x = 1"} trailing', 1, 21),
        ("{\n\n  \"source\": 'x = 1'}", 3, 13),
        ('{"source": "x = 1",}', 1, 20),
    ],
)
def test_malformed_json_is_a_422_pointing_at_the_break(client: TestClient, body: str, line: int, column: int) -> None:
    error = error_of(post_raw(client, body), 422)
    assert error["kind"] == "bad-request" and "not valid JSON" in error["message"]
    assert (error["line"], error["column"]) == (line, column)


def test_malformed_json_after_non_ascii_text_points_at_the_break(client: TestClient) -> None:
    body = '{"source": "ééééé # ☃", oops}'
    with pytest.raises(json.JSONDecodeError) as parsed:
        json.loads(body)
    error = error_of(post_raw(client, body.encode()), 422)
    assert (error["line"], error["column"]) == (parsed.value.lineno, parsed.value.colno) == (1, 25)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"source": 3}, "source"),
        ({"source": None}, "source"),
        ({}, "source"),
        ({"source": "x = 1", "values": [1, 2]}, "values"),
        ({"source": "x = 1", "values": {"x": {"a": 1}}}, "values.x"),
        ({"source": "x = 1", "folded": "mlp"}, "folded"),
        ({"source": "x = 1", "extra": True}, "extra"),
    ],
)
def test_wrongly_typed_fields_are_a_422_naming_the_field(
    client: TestClient, payload: dict[str, Any], field: str
) -> None:
    error = error_of(client.post("/api/trace", json=payload), 422)
    assert error["kind"] == "bad-request"
    assert error["message"].startswith(field), error["message"]


@pytest.mark.parametrize("body", ["", "null", "[]", '"x = 1"', "3"])
def test_an_empty_body_or_one_that_is_not_an_object_is_a_422(client: TestClient, body: str) -> None:
    assert error_of(post_raw(client, body), 422)["kind"] == "bad-request"


def test_json_nested_too_deep_to_parse_is_a_malformed_request(client: TestClient) -> None:
    body = '{"source": "x = 1", "values": {"x": ' + "[" * 5000 + "]" * 5000 + "}}"
    assert error_of(post_raw(client, body), 422)["kind"] == "bad-request"


def test_the_wrong_method_is_a_json_405(client: TestClient) -> None:
    assert error_of(client.get("/api/trace"), 405)["kind"] == "method-not-allowed"


@pytest.mark.parametrize(
    "path",
    ["/api/nothing-here", "/static/%2e%2e/pyproject.toml", "/static/..%2fpyproject.toml", "/static/no-such-file.js"],
)
def test_unknown_routes_and_paths_out_of_static_are_a_json_404(client: TestClient, path: str) -> None:
    assert error_of(client.get(path), 404)["kind"] == "not-found"


# -- the body cap ---------------------------------------------------------------------------------


def oversized_body() -> bytes:
    return json.dumps({"source": "# " + "x" * LIMIT + "\nx = 1"}).encode()


def test_a_declared_body_over_64_kib_is_a_413(client: TestClient) -> None:
    error = error_of(post_raw(client, oversized_body()), 413)
    assert error["kind"] == "too-large" and "64 KiB" in error["message"]


def test_a_body_exactly_at_the_cap_is_read_and_traced(client: TestClient) -> None:
    head, tail = b'{"source": "x = 1"', b"}"
    body = head + b" " * (LIMIT - len(head) - len(tail)) + tail
    assert len(body) == LIMIT
    assert post_raw(client, body).status_code == 200


def chunks(body: bytes, size: int = 4096) -> Iterator[bytes]:
    """A body as a generator, which httpx sends chunked, without a content-length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_a_streamed_body_over_64_kib_is_a_413(client: TestClient) -> None:
    response = post_raw(client, chunks(oversized_body()))  # type: ignore[arg-type]
    assert error_of(response, 413)["kind"] == "too-large"


def test_a_streamed_body_under_the_cap_is_traced(client: TestClient) -> None:
    response = post_raw(client, chunks(json.dumps({"source": CS231N}).encode(), 16))  # type: ignore[arg-type]
    assert response.status_code == 200, response.text


async def echo_length(scope: Scope, receive: Receive, send: Send) -> None:
    """A tiny ASGI app that reads the whole body and answers with its length."""
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": str(size).encode()})


@pytest.fixture(scope="module")
def limited() -> TestClient:
    """BodyLimit around the tiny app, capped at 100 bytes (no `with`: the tiny app has no lifespan)."""
    return TestClient(BodyLimit(echo_length, limit=100))


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_body_limit_refuses_a_body_one_byte_over_the_limit(limited: TestClient, streamed: bool) -> None:
    body = b"a" * 101
    response = limited.post("/", content=chunks(body, 7) if streamed else body)  # type: ignore[arg-type]
    assert error_of(response, 413)["kind"] == "too-large"


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_body_limit_passes_a_body_at_the_limit_through(limited: TestClient, streamed: bool) -> None:
    body = b"a" * 100
    response = limited.post("/", content=chunks(body, 7) if streamed else body)  # type: ignore[arg-type]
    assert (response.status_code, response.text) == (200, "100")


def test_body_limit_refuses_a_content_length_that_is_not_a_number(limited: TestClient) -> None:
    response = limited.post("/", content=b"abc", headers={"content-length": "3x"})
    assert error_of(response, 413)["kind"] == "too-large"


# -- input values ---------------------------------------------------------------------------------


def test_values_for_names_the_program_does_not_assign_are_refused_by_name(client: TestClient) -> None:
    error = error_of(client.post("/api/trace", json={"source": CS231N, "values": {"w": 1}}), 400)
    assert error["kind"] == "unknown-input" and "'w'" in error["message"]
    error = error_of(client.post("/api/trace", json={"source": CS231N, "values": {"q": 1}}), 400)
    assert error["kind"] == "unknown-input", "q is computed, not an input"


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "[NaN]"])
def test_non_finite_values_are_refused_with_the_inputs_position(client: TestClient, token: str) -> None:
    source = VECTOR if token.startswith("[") else CS231N
    name, position = ("x", (1, 5)) if token.startswith("[") else ("y", (3, 5))
    error = error_of(post_raw(client, f'{{"source": {json.dumps(source)}, "values": {{"{name}": {token}}}}}'), 400)
    assert error["kind"] == "bad-input-value" and f"'{name}'" in error["message"]
    assert (error["line"], error["column"]) == position


@pytest.mark.parametrize(
    ("source", "value", "status", "says"),
    [
        (CS231N, "1" + "0" * 400, 400, "not a number"),  # an integer beyond float range
        (CS231N, "[1, 2]", 400, "finite number"),
        (CS231N, '"two"', 422, "valid number"),
        (CS231N, "null", 422, "valid number"),
        (VECTOR, "3", 400, "shape (2,)"),
        (VECTOR, "[1, 2, 3]", 400, "shape (2,)"),
        (VECTOR, "[[1, 2]]", 400, "shape (2,)"),
        (VECTOR, "[[1], [2, 3]]", 400, "not a number"),
        (VECTOR, '[1, "a"]', 400, "not a number"),
        (VECTOR, "[1, null]", 400, "shape (2,)"),
        (VECTOR, "[1, {}]", 400, "not a number"),
        (VECTOR, "[" * 100 + "1" + "]" * 100, 400, "not a number"),
    ],
)
def test_values_of_the_wrong_type_or_shape_are_refused_with_a_message(
    client: TestClient, source: str, value: str, status: int, says: str
) -> None:
    error = error_of(post_raw(client, f'{{"source": {json.dumps(source)}, "values": {{"x": {value}}}}}'), status)
    assert says in error["message"]


def test_an_integer_too_large_for_a_float_inside_a_vector_is_refused(client: TestClient) -> None:
    body = f'{{"source": {json.dumps(VECTOR)}, "values": {{"x": [1, 1{"0" * 400}]}}}}'
    assert error_of(post_raw(client, body), 400)["kind"] == "bad-input-value"


def test_a_value_name_with_a_lone_surrogate_is_refused_not_a_crash(client: TestClient) -> None:
    response = post_raw(client, '{"source": "x = 1", "values": {"\\ud800": 1}}')
    assert response.status_code in (400, 422), response.text


@pytest.mark.parametrize(
    ("source", "value"),
    [(CS231N, "true"), (VECTOR, "[true, false]"), (CS231N, '"2.5"')],
    ids=["boolean", "booleans-in-a-vector", "numeric-string"],
)
def test_only_json_numbers_are_accepted_as_input_values(client: TestClient, source: str, value: str) -> None:
    response = post_raw(client, f'{{"source": {json.dumps(source)}, "values": {{"x": {value}}}}}')
    assert response.status_code in (400, 422), response.text


# -- security headers -----------------------------------------------------------------------------


def assert_security_headers(response: Any) -> None:
    headers = response.headers
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in headers["content-security-policy"].split(";"))
    assert directives["script-src"].split() == ["'self'"], "scripts only from our origin, no unsafe-inline"
    assert "'unsafe-inline'" not in directives["default-src"]
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


REQUESTS = {
    "html": ("GET", "/", None, 200),
    "docs": ("GET", "/docs", None, 200),
    "json": ("GET", "/api/presets", None, 200),
    "trace": ("POST", "/api/trace", json.dumps({"source": CS231N}), 200),
    "program-error": ("POST", "/api/trace", '{"source": "y = x"}', 400),
    "404": ("GET", "/no/such/page", None, 404),
    "405": ("DELETE", "/api/presets", None, 405),
    "413": ("POST", "/api/trace", oversized_body(), 413),
    "422": ("POST", "/api/trace", "{oops", 422),
}


@pytest.mark.parametrize("case", list(REQUESTS))
def test_security_headers_are_on_every_kind_of_response(client: TestClient, case: str) -> None:
    method, path, body, status = REQUESTS[case]
    response = client.request(method, path, content=body, headers=JSON if body else None)
    assert response.status_code == status
    assert_security_headers(response)


@pytest.fixture
def broken_service(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("a bug in the service")

    monkeypatch.setattr(app.routes.api, "build_trace_json", explode)


@pytest.mark.usefixtures("broken_service")
def test_an_unexpected_server_error_is_a_json_500_that_hides_the_details(client: TestClient) -> None:
    error = error_of(client.post("/api/trace", json={"source": CS231N}), 500)
    assert error["kind"] == "internal" and "a bug in the service" not in error["message"]


@pytest.mark.usefixtures("broken_service")
def test_an_unexpected_server_error_still_carries_the_security_headers(client: TestClient) -> None:
    response = client.post("/api/trace", json={"source": CS231N})
    assert response.status_code == 500
    assert_security_headers(response)


# -- a property: whatever is posted, the answer is JSON and never a 500 ------------------------------


NUMBERS = st.one_of(st.integers(-(10**6), 10**6), st.floats(allow_nan=True, allow_infinity=True))
JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBERS, st.text(max_size=8)),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=12,
)
PROGRAMS = [preset.source for preset in PRESETS] + [
    VECTOR,
    "x = [[1, 2]]\nf = sum(x)",
    "x = 1\ny = 2\nz = x*y + exp(x)\nf = z * z - y",
]
NAMES = st.one_of(st.sampled_from(["x", "y", "z", "q", "f", "X", "W1", "b2"]), st.text(max_size=8))
GROUPS = st.one_of(st.sampled_from(["z (line 3)", "f (line 4)", "h (line 7)", "L (line 9)"]), st.text(max_size=10))
REQUEST = st.fixed_dictionaries(
    {"source": st.one_of(st.text(max_size=300), st.sampled_from(PROGRAMS))},
    optional={
        "values": st.dictionaries(NAMES, JSONISH, max_size=4),
        "folded": st.one_of(st.none(), st.lists(GROUPS, max_size=3)),
    },
)


@settings(max_examples=100, deadline=None)
@given(payload=REQUEST)
def test_any_posted_program_and_values_get_a_json_answer_and_never_a_500(
    client: TestClient, trace_validator: Draft202012Validator, payload: dict[str, Any]
) -> None:
    response = post_raw(client, json.dumps(payload))  # NaN and Infinity go out as bare tokens
    assert response.status_code in (200, 400, 422), response.text
    event(f"status {response.status_code}")
    body = strict_json(response.text)
    if response.status_code == 200:
        trace_validator.validate(body["trace"])
        assert set(body["layout"]["items"]) == set(body["view"]["items"])
    else:
        assert set(body["error"]) == {"kind", "message", "line", "column"}
