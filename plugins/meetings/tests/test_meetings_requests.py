"""Exact request shapes that are easy to get wrong, against a mocked Graph (respx)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from ms365mcp.executor import execute
from ms365mcp.runtime import build_runtime
from ms365mcp.settings import Settings

pytestmark = pytest.mark.anyio
GRAPH = "https://graph.microsoft.com/v1.0"


async def _run(pm: Any, tmp_path: Any, name: str, args: dict[str, Any]) -> Any:
    runtime = build_runtime(Settings(oauth_token="header.payload.sig", org_mode=True, log_dir=tmp_path), pm)
    try:
        return await execute(runtime, name, args)
    finally:
        await runtime.aclose()


@respx.mock
async def test_all_transcripts_function_keeps_its_literals(meetings_pm: Any, tmp_path: Any) -> None:
    route = respx.get(url__startswith=GRAPH + "/me/adhocCalls/").mock(
        return_value=httpx.Response(200, json={"value": []})
    )
    outcome = await _run(
        meetings_pm,
        tmp_path,
        "list-adhoc-call-transcripts",
        {"userId": "o'brien/1", "startDateTime": "2026-11-01", "endDateTime": "2026-11-30T18:00:00-08:00", "top": 5},
    )
    assert outcome.is_error is False
    sent = route.calls.last.request
    path, _, query = sent.url.raw_path.decode().partition("?")
    assert path == (
        "/v1.0/me/adhocCalls/getAllTranscripts(userId='o%27%27brien%2F1',"  # the quote doubled, then encoded
        "startDateTime=2026-11-01T00:00:00Z,endDateTime=2026-12-01T02:00:00Z)"
    )
    assert query == "$top=5"


@respx.mock
async def test_transcript_content_asks_for_webvtt(meetings_pm: Any, tmp_path: Any) -> None:
    route = respx.get(url__startswith=GRAPH + "/me/onlineMeetings/").mock(
        return_value=httpx.Response(200, text="WEBVTT\n\n", headers={"content-type": "text/vtt"})
    )
    outcome = await _run(
        meetings_pm,
        tmp_path,
        "get-meeting-transcript-content",
        {"onlineMeetingId": "MSo1/a+b==", "callTranscriptId": "MSMj/x="},
    )
    assert outcome.is_error is False and outcome.data["content"] == "WEBVTT\n\n"
    sent = route.calls.last.request
    assert sent.url.raw_path == b"/v1.0/me/onlineMeetings/MSo1%2Fa%2Bb%3D%3D/transcripts/MSMj%2Fx%3D/content"
    assert sent.headers["accept"] == "text/vtt"


@respx.mock
async def test_join_link_is_sent_as_a_filter(meetings_pm: Any, tmp_path: Any) -> None:
    route = respx.get(url__startswith=GRAPH + "/me/onlineMeetings").mock(
        return_value=httpx.Response(200, json={"value": []})
    )
    link = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_Ab%40thread.v2/0?context=%7b%7d"
    outcome = await _run(meetings_pm, tmp_path, "list-online-meetings", {"filter": link})
    assert outcome.is_error is False
    assert route.calls.last.request.url.params["$filter"] == f"JoinWebUrl eq '{link}'"


@respx.mock
async def test_create_sends_graph_participants(meetings_pm: Any, tmp_path: Any) -> None:
    route = respx.post(GRAPH + "/me/onlineMeetings").mock(return_value=httpx.Response(201, json={"id": "m"}))
    outcome = await _run(
        meetings_pm,
        tmp_path,
        "create-online-meeting",
        {"body": {"subject": "Sync", "startDateTime": "2026-12-01T09:00:00Z", "participants": ["a@contoso.example"]}},
    )
    assert outcome.is_error is False
    assert json.loads(route.calls.last.request.content) == {
        "subject": "Sync",
        "startDateTime": "2026-12-01T09:00:00Z",
        "participants": {"attendees": [{"upn": "a@contoso.example", "role": "attendee"}]},
    }


@respx.mock
async def test_bad_input_never_reaches_graph(meetings_pm: Any, tmp_path: Any) -> None:
    route = respx.route().mock(return_value=httpx.Response(200, json={}))
    outcome = await _run(
        meetings_pm,
        tmp_path,
        "list-adhoc-call-transcripts",
        {"userId": "u", "startDateTime": "2026-11-01", "endDateTime": "last week"},
    )
    assert outcome.is_error and outcome.data["error"]["field"] == "endDateTime"
    assert "ISO 8601" in outcome.data["error"]["message"]
    assert route.call_count == 0
