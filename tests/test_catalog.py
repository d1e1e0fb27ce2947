"""Permission arithmetic and selection: what an allow-list keeps and what sign-in asks for."""

from __future__ import annotations

from typing import Any

import pytest

from ms365mcp.catalog.registry import collect
from ms365mcp.catalog.scopes import collapse, covers, grant_for
from ms365mcp.catalog.selection import effective_permissions, permissions_report, select
from ms365mcp.settings import Settings


@pytest.mark.parametrize(
    ("granted", "needed", "expected"),
    [
        ("Mail.ReadWrite", "Mail.Read", True),
        # Graph: Mail.Read.Shared reads "mail a user can access, including their own and shared mail".
        ("Mail.Read.Shared", "Mail.Read", True),
        ("Mail.ReadWrite.Shared", "Mail.Read", True),
        ("Mail.Read", "Mail.Read.Shared", False),
        ("Files.Read.All", "Files.Read", True),
        ("Files.Read", "Files.Read.All", False),
        ("User.Read.All", "User.ReadBasic.All", True),
        ("User.Read", "User.ReadBasic.All", False),
        ("Sites.Read.All", "Sites.Selected", False),
        ("Mail.Send.Shared", "Mail.Send", True),
        ("MailboxSettings.ReadWrite", "Mail.Read", False),
        ("mail.readwrite", "Mail.Read", True),  # Entra ignores case in permission names
        ("offline_access", "offline_access", True),
    ],
)
def test_covers_follows_the_permission_hierarchy(granted: str, needed: str, expected: bool) -> None:
    assert covers(granted, needed) is expected


def test_grant_for_prefers_the_exact_permission() -> None:
    assert grant_for("Mail.Read", ["Mail.ReadWrite", "Mail.Read"]) == "Mail.Read"
    assert grant_for("Mail.Read", ["Mail.Read.Shared"]) == "Mail.Read.Shared"
    assert grant_for("Mail.Send", ["Mail.Read"]) is None
    assert collapse(["Mail.Read", "mail.readwrite", "User.Read"]) == ["User.Read", "mail.readwrite"]


def test_sign_in_asks_only_for_allowed_permissions(notes_pm: Any) -> None:
    """An admin who granted Notes.ReadWrite.All must not see a sign-in asking for Notes.Read."""
    settings = Settings(allowed_scopes=("Notes.ReadWrite.All", "User.Read.All"))
    selection = select(collect(notes_pm), settings)
    assert {"list-notes", "create-note", "list-directory-people"} <= set(selection.tools)
    assert effective_permissions(selection, settings) == ["Notes.ReadWrite.All", "User.Read.All"]
    report = permissions_report(selection, settings)
    assert report["effectivePermissions"] == report["permissions"] == ["Notes.ReadWrite.All", "User.Read.All"]
    assert report["extraAllowedScopesNotUsedByTools"] == []
    assert report["disabledTools"] == []


def test_or_groups_pick_the_allowed_alternative(notes_pm: Any) -> None:
    settings = Settings(org_mode=True, allowed_scopes=("Notes.Read.All",))
    selection = select(collect(notes_pm), settings)
    assert "list-team-notes" in selection.tools  # Team.ReadBasic.All | Notes.Read.All
    assert effective_permissions(selection, settings) == ["Notes.Read.All"]
    hidden = {d.name: d for d in selection.disabled_by_scopes}
    assert hidden["create-note"].missing == ("Notes.ReadWrite",)
    assert hidden["list-directory-people"].missing == ("User.Read.All",)


def test_enabled_tools_narrows_a_preset_and_read_only_keeps_reads(notes_pm: Any) -> None:
    both = select(collect(notes_pm), Settings(presets=("notes",), enabled_tools="NOTE", read_only=True))
    assert set(both.tools) == {"list-notes", "get-note"}  # no create/delete, no list-directory-people
