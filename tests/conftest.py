"""Shared fixtures for core tests: a throwaway plugin with a few tools, and its sandbox routes."""

from __future__ import annotations

from typing import Any

import pytest

from ms365mcp import Preset, ToolSpec, hookimpl
from ms365mcp.plugins import make_plugin_manager
from ms365mcp.sandbox.odata import list_page
from ms365mcp.sandbox.tenant import GraphError, SandboxRequest, SandboxTenant

NOTE_SELECT = ("id", "title")


class NotesPlugin:
    """A tiny workload used only by core tests: notes under /me/notes."""

    @hookimpl
    def register_tools(self, register: Any) -> None:
        register(
            ToolSpec(
                "list-notes",
                "GET",
                "/me/notes",
                "List notes.",
                scopes="Notes.Read",
                query={"top", "skip", "filter", "search", "orderby", "select", "count"},
                default_select=NOTE_SELECT,
                presets={"notes"},
            )
        )
        register(
            ToolSpec(
                "get-note",
                "GET",
                "/me/notes/{noteId}",
                "Get a note.",
                scopes="Notes.Read",
                query={"select"},
                presets={"notes"},
            )
        )
        register(
            ToolSpec(
                "create-note",
                "POST",
                "/me/notes",
                "Create a note.",
                scopes="Notes.ReadWrite",
                body={"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]},
                presets={"notes"},
            )
        )
        register(
            ToolSpec(
                "delete-note",
                "DELETE",
                "/me/notes/{noteId}",
                "Delete a note.",
                scopes="Notes.ReadWrite",
                presets={"notes"},
            )
        )
        register(
            ToolSpec(
                "list-team-notes",
                "GET",
                "/teams/{teamId}/notes",
                "List a team's notes.",
                org_scopes="Team.ReadBasic.All | Notes.Read.All",
                org_only=True,
                query={"top"},
                presets={"work"},
            )
        )
        register(
            ToolSpec(
                "list-directory-people",
                "GET",
                "/users",
                "List people.",
                scopes="User.Read.All",
                query={"top", "search", "count", "filter"},
                presets={"notes"},
            )
        )

    @hookimpl
    def register_presets(self, register: Any) -> None:
        register(Preset("notes", "Test notes."))
        register(Preset("work", "Work things.", requires_org_mode=True))
        register(Preset("all", "Everything.", includes_all=True))

    @hookimpl
    def sandbox_setup(self, tenant: SandboxTenant) -> None:
        notes = tenant.collection("notes")
        for i in range(25):
            note_id = f"note-{i:02d}" if i != 3 else "odd/id+with=chars"
            notes[note_id] = {"id": note_id, "title": f"Note {i}", "body": f"text {i}", "n": i}

        @tenant.route("GET", "/me/notes")
        async def list_notes(req: SandboxRequest) -> dict[str, Any]:
            return list_page(req, list(notes.values()), search_fields=("title", "body"))

        @tenant.route("GET", "/me/notes/{noteId}")
        async def get_note(req: SandboxRequest) -> dict[str, Any]:
            note = notes.get(req.params["noteId"])
            if note is None:
                raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            return {"@odata.context": "x", "@odata.etag": "W/1", **note}

        @tenant.route("POST", "/me/notes")
        async def create_note(req: SandboxRequest) -> Any:
            from starlette.responses import JSONResponse

            body = req.json()
            note = {"id": tenant.new_id("note"), "title": body["title"]}
            notes[note["id"]] = note
            return JSONResponse(note, status_code=201)

        @tenant.route("DELETE", "/me/notes/{noteId}")
        async def delete_note(req: SandboxRequest) -> None:
            if notes.pop(req.params["noteId"], None) is None:
                raise GraphError(404, "ErrorItemNotFound", "Not found.")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def notes_pm() -> Any:
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(NotesPlugin(), name="notes")
    return pm
