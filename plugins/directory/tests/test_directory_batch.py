"""graph-batch only carries calls that enabled tools could make; everything else is refused by field."""

from __future__ import annotations

from typing import Any

import pytest
from ms365mcp_directory.batch import check_requests
from ms365mcp_directory.tools import TOOLS

from ms365mcp.errors import ToolInputError
from ms365mcp.executor import execute
from ms365mcp.runtime import build_runtime
from ms365mcp.settings import Settings

pytestmark = pytest.mark.anyio
ENABLED = {spec.name: spec for spec in TOOLS}


def _refused(requests: Any, tools: dict[str, Any] = ENABLED) -> ToolInputError:
    with pytest.raises(ToolInputError) as info:
        check_requests(tools, requests)
    return info.value


def test_plain_requests_pass_and_get_defaults() -> None:
    checked = check_requests(
        ENABLED,
        [
            {"method": "get", "url": "/users?$top=5&$select=id,displayName"},
            {"id": "b", "method": "POST", "url": "/groups/g%2F1/members/$ref", "body": {"@odata.id": "x"}},
            {"id": "c", "method": "DELETE", "url": "/groups/g1/owners/u1/$ref", "dependsOn": "b"},
        ],
    )
    assert checked[0] == {"id": "1", "method": "GET", "url": "/users?$top=5&$select=id,displayName"}
    assert checked[1]["headers"] == {"Content-Type": "application/json"}
    assert checked[2]["dependsOn"] == ["b"]


@pytest.mark.parametrize(
    ("requests", "field"),
    [
        ([], "body.requests"),
        ([{"url": "/me"}] * 21, "body.requests"),
        (["GET /me"], "body.requests[0]"),
        ([{"url": "https://graph.microsoft.com/v1.0/me"}], "body.requests[0].url"),
        ([{"url": "//evil.example/me"}], "body.requests[0].url"),
        ([{"url": "me"}], "body.requests[0].url"),
        ([{"url": "/v1.0/me"}], "body.requests[0].url"),
        ([{"url": "/groups/../me"}], "body.requests[0].url"),
        ([{"url": "/groups/%2E%2E/me"}], "body.requests[0].url"),
        ([{"url": "/groups/a%2F..%2Fb"}], "body.requests[0].url"),
        ([{"url": "/groups/a%5Cb"}], "body.requests[0].url"),
        ([{"url": "/me/messages"}], "body.requests[0].url"),
        ([{"method": "DELETE", "url": "/me"}], "body.requests[0].url"),
        ([{"url": "/groups/g1/members/u1"}], "body.requests[0].url"),
        ([{"url": "/me/profile"}], "body.requests[0].url"),
        ([{"method": "POST", "url": "/$batch", "body": {}}], "body.requests[0].url"),
        ([{"url": "/users('x')/manager"}], "body.requests[0].url"),
        ([{"url": "/users?$expand=manager"}], "body.requests[0].url"),
        ([{"url": "/me?redirect=1"}], "body.requests[0].url"),
        ([{"url": "/me", "headers": {"Authorization": "Bearer x"}}], "body.requests[0].headers.Authorization"),
        ([{"url": "/me", "extra": 1}], "body.requests[0].extra"),
        ([{"method": "TRACE", "url": "/me"}], "body.requests[0].method"),
        ([{"id": "a", "url": "/me"}, {"id": "a", "url": "/me"}], "body.requests[1].id"),
        ([{"url": "/me", "dependsOn": ["9"]}], "body.requests[0].dependsOn"),
        ([{"url": "/me", "body": {"x": 1}}], "body.requests[0].body"),
        ([{"method": "POST", "url": "/groups"}], "body.requests[0].body"),
    ],
)
def test_refusals_name_the_sub_request(requests: Any, field: str) -> None:
    assert _refused(requests).field == field


def test_only_tools_the_server_enabled_count(directory_pm: Any, tmp_path: Any) -> None:
    settings = Settings(
        sandbox=True,
        org_mode=True,
        log_dir=tmp_path,
        presets=("users",),
        enabled_tools="graph-batch|list-users|get-my-manager",
    )
    runtime = build_runtime(settings, directory_pm)
    assert "list-groups" not in runtime.tools
    assert _refused([{"url": "/groups"}], runtime.tools).field == "body.requests[0].url"
    assert check_requests(runtime.tools, [{"url": "/me/manager"}])[0]["url"] == "/me/manager"


def test_read_only_server_has_no_write_sub_requests(directory_pm: Any, tmp_path: Any) -> None:
    runtime = build_runtime(Settings(sandbox=True, org_mode=True, log_dir=tmp_path, read_only=True), directory_pm)
    assert "graph-batch" not in runtime.tools
    tools = {**runtime.tools, "graph-batch": ENABLED["graph-batch"]}
    refused = _refused([{"method": "DELETE", "url": "/groups/g1"}], tools)
    assert refused.field == "body.requests[0].url"


async def test_batch_refusal_reaches_the_model_without_a_graph_call(directory_pm: Any, tmp_path: Any) -> None:
    runtime = build_runtime(Settings(sandbox=True, org_mode=True, log_dir=tmp_path), directory_pm)
    try:
        before = len(runtime.sandbox.requests)
        outcome = await execute(
            runtime, "graph-batch", {"body": {"requests": [{"url": "/me"}, {"url": "/me/../users"}]}}
        )
        assert outcome.is_error and outcome.data["error"]["field"] == "body.requests[1].url"
        assert len(runtime.sandbox.requests) == before
    finally:
        await runtime.aclose()


async def test_sandbox_batch_runs_dependencies_in_order(directory_pm: Any, tmp_path: Any) -> None:
    runtime = build_runtime(Settings(sandbox=True, org_mode=True, log_dir=tmp_path), directory_pm)
    try:
        outcome = await execute(
            runtime,
            "graph-batch",
            {
                "body": {
                    "requests": [
                        {"id": "a", "url": "/groups/missing"},
                        {"id": "b", "url": "/me", "dependsOn": ["a"]},
                    ]
                }
            },
        )
        statuses = {r["id"]: r["status"] for r in outcome.data["responses"]}
        assert statuses == {"a": 404, "b": 424}
    finally:
        await runtime.aclose()


def test_query_options_may_omit_the_dollar_and_follow_any_matching_tool() -> None:
    checked = check_requests(ENABLED, [{"url": "/users?select=id&$count=true"}])
    assert checked[0]["url"] == "/users?select=id&$count=true"


def test_beta_and_binary_tools_are_called_directly() -> None:
    profile = _refused([{"url": "/me/profile"}])
    assert "get-my-profile directly" in str(profile)
    photo = _refused([{"method": "PUT", "url": "/me/photo/$value", "body": "x"}])
    assert photo.field == "body.requests[0].url" and "upload-my-profile-photo directly" in str(photo)


async def test_people_search_keeps_its_query_across_pages(directory_pm: Any, tmp_path: Any) -> None:
    runtime = build_runtime(Settings(sandbox=True, org_mode=True, log_dir=tmp_path), directory_pm)
    try:
        first = await execute(runtime, "list-relevant-people", {"search": "contoso", "top": 1})
        assert len(first.data["value"]) == 1 and "search=contoso" in first.data["nextLink"]
        rest = await execute(runtime, "list-relevant-people", {"search": "contoso", "top": 1, "fetchAllPages": True})
        assert len(rest.data["value"]) == 3
    finally:
        await runtime.aclose()
