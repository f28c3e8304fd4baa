"""resources/api/openapi.yaml: a valid OpenAPI 3.1 document that matches the demo's routes."""

from __future__ import annotations

import re
from typing import Any, cast

import yaml
from openapi_spec_validator import validate

from coachadmin.demo.backend_context import BackendContext
from coachadmin.demo.backend_handlers import api_routes
from coachadmin.resource_path import resource


def _spec() -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load(resource("api", "openapi.yaml").read_text("utf-8")))


def test_document_is_valid_openapi_3_1() -> None:
    spec = _spec()
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_document_lists_exactly_the_demo_backends_routes() -> None:
    # The route table is built without serving: its handlers are never called here.
    ctx = cast(BackendContext, object())
    routes = {(route.method, re.sub(r"<(\w+)>", r"{\1}", route.rule)) for route in api_routes(ctx)}
    documented = {
        (method.upper(), path)
        for path, item in _spec()["paths"].items()
        for method in item
        if method in {"get", "post", "patch", "put", "delete"}
    }
    assert routes == documented


def test_every_operation_but_login_needs_the_bearer_token() -> None:
    spec = _spec()
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearer"]["description"],
    }
    assert spec["security"] == [{"bearer": []}]
    open_operations = [
        (method, path)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and operation.get("security") == []
    ]
    assert open_operations == [("post", "/api/auth/login")]
