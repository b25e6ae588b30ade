"""The OpenAPI document is a contract a client (and the fuzzer) can hold us to: every operation
documents the errors it can answer, with the one error body, and every integer a client sends
is bounded, so an out-of-range id is a 422 naming the parameter, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cti.openapi import MAX_ID
from tests.support import auth, running_app

ERROR_BODY = "#/components/schemas/ErrorBody"
HUGE = "181642882069349233972423828701184"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with running_app(tmp_path_factory.mktemp("openapi")) as c:
        yield c


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def _expected_errors(label: str, operation: dict[str, Any]) -> set[str]:
    expected = {"503"}  # database unavailable, or a process on standby
    if operation.get("parameters") or "requestBody" in operation:
        expected.add("422")
    if operation.get("security"):
        expected |= {"401", "403"}
    if "{" in label:
        expected.add("404")
    return expected


def test_every_api_operation_documents_its_error_responses_with_the_error_body(
    spec: dict[str, Any],
) -> None:
    missing = []
    for label, operation in _operations(spec):
        if not label.split()[1].startswith("/api/"):
            continue
        responses = operation["responses"]
        for status in sorted(_expected_errors(label, operation)):
            schema = responses.get(status, {}).get("content", {}).get("application/json", {})
            if schema.get("schema", {}).get("$ref") != ERROR_BODY:
                missing.append(f"{label}: {status}")
    assert missing == []


def test_operations_that_can_conflict_document_409(spec: dict[str, Any]) -> None:
    for label in ("POST /api/calls/{call_id}/answer", "DELETE /api/queues/{name}"):
        method, path = label.split()
        assert "409" in spec["paths"][path][method.lower()]["responses"], label


def test_the_health_endpoints_document_their_503(spec: dict[str, Any]) -> None:
    assert "503" in spec["paths"]["/healthz"]["get"]["responses"]
    ready = spec["paths"]["/readyz"]["get"]["responses"]["503"]
    assert ready["content"]["application/json"]["schema"]["$ref"].endswith("/Readiness")


def test_every_integer_path_and_query_parameter_is_bounded(spec: dict[str, Any]) -> None:
    unbounded = []
    for label, operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            integers = [schema, *schema.get("anyOf", [])]
            for s in integers:
                if s.get("type") == "integer" and ("minimum" not in s or "maximum" not in s):
                    unbounded.append(f"{label}: {parameter['name']}")
    assert unbounded == []


def test_every_integer_in_a_request_body_is_bounded(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    unbounded: list[str] = []
    seen: set[str] = set()
    for label, operation in _operations(spec):
        body = operation.get("requestBody", {}).get("content", {})
        for media in body.values():
            _collect_unbounded(media.get("schema", {}), label, schemas, seen, unbounded)
    assert unbounded == []


def _collect_unbounded(
    node: Any, where: str, schemas: dict[str, Any], seen: set[str], out: list[str]
) -> None:
    if isinstance(node, list):
        for item in node:
            _collect_unbounded(item, where, schemas, seen, out)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            _collect_unbounded(schemas[name], name, schemas, seen, out)
        return
    bounded = {"maximum", "exclusiveMaximum", "enum", "const"} & set(node)
    if node.get("type") == "integer" and not bounded:
        out.append(where)
    for key, value in node.items():
        _collect_unbounded(
            value, f"{where}.{key}" if key != "properties" else where, schemas, seen, out
        )


def test_an_out_of_range_customer_id_is_a_422_naming_the_parameter(client: TestClient) -> None:
    res = client.get(f"/api/customers/{HUGE}", headers=auth(client, "agent01"))
    assert res.status_code == 422, res.text
    assert res.json()["error_id"] == "invalid-request"
    assert res.json()["details"]["errors"][0]["field"] == "path.customer_id"


def test_the_largest_customer_id_is_simply_not_found(client: TestClient) -> None:
    res = client.get(f"/api/customers/{MAX_ID}", headers=auth(client, "agent01"))
    assert res.status_code == 404 and res.json()["error_id"] == "no-such-customer"


def test_an_out_of_range_flow_version_is_a_422(client: TestClient) -> None:
    headers = auth(client, "super01")
    res = client.get(f"/api/ivr/flows/main-menu/versions/{HUGE}", headers=headers)
    assert res.status_code == 422, res.text
    body = {"version": int(HUGE)}
    res = client.post("/api/ivr/flows/main-menu/activate", json=body, headers=headers)
    assert res.status_code == 422, res.text


def test_a_missing_token_is_refused_with_the_error_body(client: TestClient) -> None:
    res = client.get("/api/queues")
    assert res.status_code == 401 and res.json()["error_id"] == "not-authenticated"
    assert res.headers["WWW-Authenticate"] == "Bearer"


def test_an_unknown_path_is_a_404_with_the_error_body(client: TestClient) -> None:
    res = client.get("/api/no-such-thing")
    assert res.status_code == 404 and res.json()["error_id"] == "not-found"


def _body(content: dict[str, Any]) -> dict[str, Any]:
    """The JSON body's documentation; for a text format, a documented string stands in."""
    if "application/json" in content:
        return dict(content["application/json"])
    texts = [c for t, c in content.items() if t.startswith("text/plain")]  # /metrics
    if texts and texts[0].get("schema", {}).get("type") == "string":
        return {"schema": {"$ref": "text"}}
    return {}


def _documents(schema: dict[str, Any]) -> bool:
    """A schema says what comes back: a model, a list of something documented, or a mapping
    of a documented value; not ``{}`` or an object of anything."""
    if "$ref" in schema:
        return True
    if "anyOf" in schema:
        return all(_documents(s) for s in schema["anyOf"] if s.get("type") != "null")
    kind = schema.get("type")
    if kind == "array":
        return _documents(schema.get("items", {}))
    if kind == "object":
        if schema.get("properties"):
            return True
        values = schema.get("additionalProperties")
        return isinstance(values, dict) and _documents(values)
    return kind in ("string", "integer", "number", "boolean")


def test_every_operation_documents_its_success_response_with_a_schema(
    spec: dict[str, Any],
) -> None:
    undocumented, bodiless = [], []
    for label, operation in _operations(spec):
        success = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        if set(success) == {"204"}:
            bodiless.append(label)
            continue
        schemas = [_body(r.get("content", {})) for r in success.values()]
        if not schemas or not all(_documents(s.get("schema", {})) for s in schemas):
            undocumented.append(label)
    assert undocumented == []
    assert sorted(bodiless) == [  # these answer 204, with no body
        "DELETE /api/queues/{name}",
        "DELETE /api/skills/{name}",
        "POST /api/auth/logout",
        "PUT /api/skills/{name}",
    ]
