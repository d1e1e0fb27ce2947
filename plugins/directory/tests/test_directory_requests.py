"""Exact request shapes that are easy to get wrong, against a mocked Graph (respx)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from ms365mcp.executor import execute
from ms365mcp.runtime import Runtime, build_runtime
from ms365mcp.settings import Settings

pytestmark = pytest.mark.anyio
GRAPH = "https://graph.microsoft.com"
JPEG = b"\xff\xd8\xff\xdb" + bytes(16)


@pytest.fixture
async def rt(directory_pm: Any, tmp_path: Any) -> AsyncIterator[Runtime]:
    settings = Settings(oauth_token="secret-token", org_mode=True, log_dir=tmp_path / "logs", graph_max_retries=0)
    runtime = build_runtime(settings, directory_pm)
    yield runtime
    await runtime.aclose()


async def test_photo_goes_up_as_raw_jpeg_bytes(rt: Runtime) -> None:
    with respx.mock(assert_all_called=True) as router:
        route = router.put(f"{GRAPH}/v1.0/me/photo/$value").mock(return_value=httpx.Response(200))
        outcome = await execute(rt, "upload-my-profile-photo", {"body": base64.b64encode(JPEG).decode()})
    assert outcome.is_error is False
    sent = route.calls.last.request
    assert sent.headers["content-type"] == "image/jpeg" and sent.content == JPEG


async def test_member_reference_body_and_encoded_ids(rt: Runtime) -> None:
    with respx.mock(assert_all_called=True) as router:
        add = router.post(url__regex=r".*/v1\.0/groups/g%2F1/members/\$ref$").mock(return_value=httpx.Response(204))
        remove = router.delete(url__regex=r".*/v1\.0/groups/g1/owners/u%2B1/\$ref$").mock(
            return_value=httpx.Response(204)
        )
        await execute(rt, "add-group-member", {"groupId": "g/1", "body": {"id": "u-7"}})
        await execute(rt, "remove-group-owner", {"groupId": "g1", "directoryObjectId": "u+1"})
    assert json.loads(add.calls.last.request.content) == {
        "@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/u-7"
    }
    assert remove.called


async def test_directory_search_sends_consistency_level(rt: Runtime) -> None:
    with respx.mock(assert_all_called=True) as router:
        route = router.get(url__startswith=f"{GRAPH}/v1.0/users").mock(
            return_value=httpx.Response(200, json={"value": []})
        )
        await execute(rt, "list-users", {"search": '"displayName:ad"'})
    request = route.calls.last.request
    assert request.headers["consistencylevel"] == "eventual"
    assert request.url.params["$search"] == '"displayName:ad"'
    assert request.url.params["$select"].startswith("id,displayName")


async def test_profile_uses_beta(rt: Runtime) -> None:
    with respx.mock(assert_all_called=True) as router:
        router.get(f"{GRAPH}/beta/me/profile").mock(return_value=httpx.Response(200, json={"id": "p"}))
        outcome = await execute(rt, "get-my-profile", {})
    assert outcome.data == {"id": "p"}


async def test_batch_posts_checked_requests_and_orders_answers(rt: Runtime) -> None:
    answer = {
        "responses": [
            {"id": "2", "status": 204},
            {"id": "1", "status": 200, "body": {"@odata.context": "x", "displayName": "Adele"}},
        ]
    }
    with respx.mock(assert_all_called=True) as router:
        route = router.post(f"{GRAPH}/v1.0/$batch").mock(return_value=httpx.Response(200, json=answer))
        outcome = await execute(
            rt,
            "graph-batch",
            {
                "body": {
                    "requests": [
                        {"url": "/me"},
                        {"method": "PATCH", "url": "/groups/g1", "body": {"description": "d"}},
                    ]
                }
            },
        )
    sent = json.loads(route.calls.last.request.content)
    assert sent["requests"][1] == {
        "id": "2",
        "method": "PATCH",
        "url": "/groups/g1",
        "body": {"description": "d"},
        "headers": {"Content-Type": "application/json"},
    }
    assert route.calls.last.request.headers["authorization"] == "Bearer secret-token"
    assert outcome.data["responses"] == [
        {"id": "1", "status": 200, "body": {"displayName": "Adele"}},
        {"id": "2", "status": 204},
    ]


async def test_batch_error_from_graph_is_reported(rt: Runtime) -> None:
    error = {"error": {"code": "BadRequest", "message": "Invalid batch payload format."}}
    with respx.mock(assert_all_called=True) as router:
        router.post(f"{GRAPH}/v1.0/$batch").mock(return_value=httpx.Response(400, json=error))
        outcome = await execute(rt, "graph-batch", {"body": {"requests": [{"url": "/me"}]}})
    assert outcome.is_error and outcome.data["error"]["code"] == "BadRequest"
