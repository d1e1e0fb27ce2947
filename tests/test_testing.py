"""The plugin-author helpers: tool_maker builds specs as the plugins did by hand; the test helpers catch drift."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

import ms365mcp
from ms365mcp import ToolSpec, tool_maker
from ms365mcp.testing import assert_spec_matches_row, assert_token_budget, camel_path, read_endpoint_rows

MAIL = frozenset({"mail", "personal"})
ROW = {
    "tool": "get-mail-message",
    "method": "GET",
    "path": "/me/messages/{message-id}",
    "api": "v1.0",
    "scopes_personal": "Mail.Read",
    "scopes_org": "",
    "presets": "mail,personal",
    "notes": "",
}


def test_tool_maker_is_public() -> None:
    assert "tool_maker" in ms365mcp.__all__ and ms365mcp.tool_maker is tool_maker


def test_personal_maker_files_the_permission_under_scopes() -> None:
    make = tool_maker(presets=MAIL)
    spec = make("get-mail-message", "GET", "/me/messages/{messageId}", "Get one message.", "Mail.Read | Mail.ReadBasic")
    assert spec == ToolSpec(
        name="get-mail-message",
        method="GET",
        path="/me/messages/{messageId}",
        description="Get one message.",
        scopes="Mail.Read | Mail.ReadBasic",
        presets=MAIL,
    )
    assert spec.scopes == (("Mail.Read",), ("Mail.ReadBasic",)) and spec.org_scopes == () and not spec.org_only


def test_org_maker_files_the_permission_under_org_scopes() -> None:
    make = tool_maker(presets={"work"}, org_only=True)
    spec = make("list-users", "GET", "/users", "List users.", "User.Read.All")
    assert spec.org_only is True
    assert spec.org_scopes == (("User.Read.All",),) and spec.scopes == ()
    assert spec.presets == frozenset({"work"})


def test_explicit_keywords_win_over_the_makers_defaults() -> None:
    async def handler(call: object) -> None:
        return None

    make = tool_maker(presets=MAIL, api_version="beta", handler=handler)
    default = make("list-things", "GET", "/things", "List things.", "Thing.Read")
    assert (default.api_version, default.handler, default.presets) == ("beta", handler, MAIL)
    chosen = make("get-thing", "GET", "/things/{thingId}", "Get one.", "Thing.Read", presets={"x"}, api_version="v1.0")
    assert (chosen.api_version, chosen.presets) == ("v1.0", frozenset({"x"}))
    assert make("list-things", "GET", "/things", "List things.").presets == MAIL  # the default is not consumed


def test_maker_without_permission_or_presets_builds_an_open_tool() -> None:
    spec = tool_maker()("graph-batch", "POST", "/$batch", "Send several requests at once.")
    assert (spec.scopes, spec.org_scopes, spec.presets, spec.org_only) == ((), (), frozenset(), False)


def test_maker_still_validates_the_spec() -> None:
    with pytest.raises(ValueError, match="kebab-case"):
        tool_maker(presets=MAIL)("Bad_Name", "GET", "/x", "x", "Mail.Read")


def test_camel_path_and_renames() -> None:
    assert camel_path("/drives/{drive-id}/items/{driveItem-id}") == "/drives/{driveId}/items/{driveItemId}"
    assert camel_path("/me/messages") == "/me/messages"
    renamed = camel_path("/x/{workbookTable-id}/y/{chatMessage-id1}", {"{chatMessage-id1}": "{replyId}"})
    assert renamed == "/x/{workbookTableId}/y/{replyId}"
    assert camel_path("/w/{workbookTable-id}", {"{workbookTable-id}": "{tableId}"}) == "/w/{tableId}"


def test_read_endpoint_rows(tmp_path: Path) -> None:
    table = tmp_path / "rows.tsv"
    header = "\t".join(ROW)
    table.write_text(header + "\n" + "\t".join(ROW.values()) + "\n", encoding="utf-8")
    assert read_endpoint_rows(table) == [ROW]
    assert read_endpoint_rows(str(table))[0]["path"] == "/me/messages/{message-id}"


def _spec(**changes: object) -> ToolSpec:
    fields: dict[str, object] = {
        "name": "get-mail-message",
        "method": "GET",
        "path": "/me/messages/{messageId}",
        "description": "Get one message.",
        "scopes": "Mail.Read",
        "presets": MAIL,
    }
    return ToolSpec(**{**fields, **changes})


def test_spec_matching_its_row_passes() -> None:
    assert_spec_matches_row(_spec(), ROW)
    assert_spec_matches_row(_spec(presets=MAIL | {"outlook"}), ROW, extra_presets={"outlook"})
    assert_spec_matches_row(
        _spec(method="POST", path="/me/messages/{messageId}/x"), ROW, method="POST", path="/me/messages/{messageId}/x"
    )


@pytest.mark.parametrize(
    "spec",
    [
        _spec(method="DELETE"),
        _spec(path="/me/messages/{id}"),
        _spec(api_version="beta"),
        _spec(scopes="Mail.ReadWrite"),
        _spec(org_scopes="Mail.Read.Shared"),
        _spec(org_only=True),
        _spec(presets={"mail"}),
    ],
    ids=["method", "path", "api", "scopes", "org_scopes", "org_only", "presets"],
)
def test_any_drift_from_the_row_fails_naming_the_tool(spec: ToolSpec) -> None:
    with pytest.raises(AssertionError, match="get-mail-message"):
        assert_spec_matches_row(spec, ROW)


def test_org_only_follows_the_row() -> None:
    org_row = {**ROW, "scopes_personal": "", "scopes_org": "Mail.Read.Shared", "presets": "work"}
    shared = _spec(scopes=(), org_scopes="Mail.Read.Shared", org_only=True, presets={"work"})
    assert_spec_matches_row(shared, org_row)
    with pytest.raises(AssertionError):
        assert_spec_matches_row(attrs.evolve(shared, org_only=False), org_row)


def test_token_budget_returns_costs_and_refuses_heavy_tools() -> None:
    small = [_spec(), _spec(name="list-mail-messages")]
    costs = assert_token_budget(small, per_tool=150)
    assert len(costs) == 2 and all(0 < c <= 150 for c in costs)
    with pytest.raises(AssertionError):
        assert_token_budget(small, per_tool=min(costs) - 1)
    heavy = _spec(description="word " * 400)
    with pytest.raises(AssertionError):
        assert_token_budget([*small, heavy], per_tool=10_000, most=max(costs))
    with pytest.raises(AssertionError, match="no tools"):
        assert_token_budget([])
