"""Sandbox body checks: a body must be a JSON object and name only the entity's properties."""

from __future__ import annotations

import pytest

from ms365mcp.sandbox.bodies import json_object, refuse_unknown
from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL, GraphError, SandboxRequest, SandboxTenant


def _request(body: bytes) -> SandboxRequest:
    tenant = SandboxTenant()
    return SandboxRequest(
        tenant=tenant,
        user=tenant.me,
        method="POST",
        path="/v1.0/me/events",
        params={},
        query={},
        headers={},
        body=body,
        base_url=SANDBOX_GRAPH_URL,
    )


def test_json_object_returns_the_body_and_an_empty_one_for_no_body() -> None:
    assert json_object(_request(b'{"subject": "x"}')) == {"subject": "x"}
    assert json_object(_request(b"")) == {}


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"3"])
def test_json_object_refuses_other_json_like_graph(raw: bytes) -> None:
    with pytest.raises(GraphError) as info:
        json_object(_request(raw))
    assert (info.value.status, info.value.code) == (400, "RequestBodyRead")


def test_refuse_unknown_allows_known_fields_and_the_type_annotation() -> None:
    refuse_unknown({"subject": "x", "@odata.type": "#microsoft.graph.event"}, {"subject", "body"}, "event")
    refuse_unknown({}, frozenset(), "event")


def test_refuse_unknown_names_the_first_unknown_property_and_the_type() -> None:
    with pytest.raises(GraphError) as info:
        refuse_unknown({"subject": "x", "zeta": 1, "mood": 2}, ["subject"], "mailFolder")
    assert (info.value.status, info.value.code) == (400, "RequestBodyRead")
    assert "'mood' does not exist on type 'microsoft.graph.mailFolder'" in info.value.message
