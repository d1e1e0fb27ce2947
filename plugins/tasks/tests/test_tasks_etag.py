"""Planner's If-Match handling: the exact requests against a mocked Graph (respx), and the sandbox's enforcement."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from ms365mcp_tasks.seed import PLAN_ID

from ms365mcp.executor import execute
from ms365mcp.runtime import Runtime, build_runtime
from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL, build_tenant
from ms365mcp.settings import Settings

pytestmark = pytest.mark.anyio

GRAPH = "https://graph.microsoft.com/v1.0"
TASK = f"{GRAPH}/planner/tasks/t%2B1"
ETAG = 'W/"JzEtVGFzayAgQEBAQEBAQEBAQEBAQEBAYCc="'


@pytest.fixture
async def rt(tasks_pm: Any, tmp_path: Path) -> AsyncIterator[Runtime]:
    runtime = build_runtime(Settings(oauth_token="tok", log_dir=tmp_path / "logs", graph_max_retries=0), tasks_pm)
    yield runtime
    await runtime.aclose()


async def test_without_an_etag_the_current_one_is_fetched_first(rt: Runtime) -> None:
    with respx.mock(assert_all_called=True) as router:
        read = router.get(TASK).mock(return_value=httpx.Response(200, json={"@odata.etag": ETAG, "id": "t+1"}))
        patch = router.patch(TASK).mock(return_value=httpx.Response(200, json={"@odata.etag": "new", "title": "B"}))
        outcome = await execute(rt, "update-planner-task", {"plannerTaskId": "t+1", "body": {"title": "B"}})
    assert outcome.data == {"title": "B"}
    assert read.call_count == 1
    sent = patch.calls.last.request
    assert sent.headers["If-Match"] == ETAG
    assert sent.headers["Prefer"] == "return=representation"
    assert json.loads(sent.content) == {"title": "B"}
    assert "etag" not in sent.url.query.decode()


async def test_a_given_etag_is_sent_as_is_without_a_read(rt: Runtime) -> None:
    with respx.mock(assert_all_called=False) as router:
        read = router.get(TASK)
        patch = router.patch(f"{TASK}/details").mock(return_value=httpx.Response(204))
        outcome = await execute(
            rt, "update-planner-task-details", {"plannerTaskId": "t+1", "etag": ETAG, "body": {"description": "d"}}
        )
    assert outcome.data == {"ok": True, "status": 204}
    assert read.call_count == 0
    assert patch.calls.last.request.headers["If-Match"] == ETAG


async def test_delete_sends_if_match_but_no_prefer(rt: Runtime) -> None:
    bucket = f"{GRAPH}/planner/buckets/b1"
    with respx.mock(assert_all_called=False) as router:
        router.get(bucket).mock(return_value=httpx.Response(200, json={"@odata.etag": ETAG}))
        delete = router.delete(bucket).mock(return_value=httpx.Response(204))
        outcome = await execute(rt, "delete-planner-bucket", {"plannerBucketId": "b1"})
    assert not outcome.is_error
    sent = delete.calls.last.request
    assert sent.headers["If-Match"] == ETAG and "Prefer" not in sent.headers


async def test_a_missing_item_stops_before_the_write(rt: Runtime) -> None:
    with respx.mock(assert_all_called=False) as router:
        router.get(TASK).mock(return_value=httpx.Response(404, json={"error": {"code": "NotFound", "message": "gone"}}))
        patch = router.patch(TASK)
        outcome = await execute(rt, "update-planner-task", {"plannerTaskId": "t+1", "body": {"title": "B"}})
    assert outcome.is_error and outcome.data["error"]["status"] == 404
    assert patch.call_count == 0


async def test_an_item_without_an_etag_is_not_written(rt: Runtime) -> None:
    with respx.mock(assert_all_called=False) as router:
        router.get(TASK).mock(return_value=httpx.Response(200, json={"id": "t+1"}))
        patch = router.patch(TASK)
        outcome = await execute(rt, "update-planner-task", {"plannerTaskId": "t+1", "body": {"title": "B"}})
    assert outcome.is_error and "no etag" in outcome.data["error"]["message"]
    assert patch.call_count == 0


async def test_the_sandbox_enforces_if_match_like_graph(tasks_pm: Any) -> None:
    tenant = build_tenant(tasks_pm)
    headers = {"Authorization": f"Bearer {tenant.issue_token()}"}
    transport = httpx.ASGITransport(app=tenant.app())
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_GRAPH_URL, headers=headers) as http:
        buckets = (await http.get(f"/v1.0/planner/plans/{PLAN_ID}/buckets")).json()["value"]
        path = f"/v1.0/planner/buckets/{buckets[0]['id']}"
        missing = await http.patch(path, json={"name": "X"})
        assert missing.status_code == 412 and missing.json()["error"]["code"] == "PreconditionFailed"
        etag = (await http.get(path)).json()["@odata.etag"]
        plain = await http.patch(path, json={"name": "X"}, headers={"If-Match": etag})
        assert plain.status_code == 204
        reused = await http.patch(path, json={"name": "Y"}, headers={"If-Match": etag})
        assert reused.status_code == 412  # every write changes the etag
        fresh = (await http.get(path)).json()["@odata.etag"]
        shown = await http.patch(
            path, json={"name": "Y"}, headers={"If-Match": fresh, "Prefer": "return=representation"}
        )
        assert shown.status_code == 200 and shown.json()["name"] == "Y"
        assert (await http.delete(path)).status_code == 412
