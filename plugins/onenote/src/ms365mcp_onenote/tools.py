"""The OneNote tools as data: personal notebooks under ``/me/onenote`` and SharePoint site notebooks.

Pages are HTML both ways. Creating one takes an HTML document (or ``{title, content}`` that
``pages.prepare_page`` turns into one); reading one returns Graph's HTML as text content.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ms365mcp import ToolSpec, tool_maker
from ms365mcp_onenote.pages import ACTIONS, prepare_name, prepare_page, prepare_page_changes, prepare_web_url

PERSONAL = frozenset({"onenote", "personal"})
WORK = frozenset({"onenote", "work"})
LIST_QUERY = frozenset({"top", "skip", "filter", "orderby", "select", "expand", "count"})

NOTEBOOK_SELECT = ("id", "displayName", "isDefault", "isShared", "lastModifiedDateTime")
SECTION_SELECT = ("id", "displayName", "isDefault", "parentNotebook", "parentSectionGroup", "lastModifiedDateTime")
GROUP_SELECT = ("id", "displayName", "parentNotebook", "parentSectionGroup", "lastModifiedDateTime")
PAGE_SELECT = ("id", "title", "createdDateTime", "lastModifiedDateTime", "parentSection")

_STR: dict[str, Any] = {"type": "string"}
NAME_BODY: dict[str, Any] = {"type": "object", "properties": {"displayName": _STR}, "required": ["displayName"]}
#: A page: the HTML document itself, or a title and plain-text content that become one.
PAGE_BODY: dict[str, Any] = {"type": ["string", "object"], "properties": {"title": _STR, "content": _STR}}
CHANGES_BODY: dict[str, Any] = {
    "type": ["array", "object"],  # one change may come alone; prepare makes it a list
    "items": {
        "type": "object",
        "properties": {
            "target": _STR,
            "action": {"enum": list(ACTIONS)},
            "content": _STR,
            "position": {"enum": ["after", "before"]},
        },
        "required": ["target", "action"],
    },
}
WEB_URL_BODY: dict[str, Any] = {"type": "object", "properties": {"webUrl": _STR}, "required": ["webUrl"]}
#: Generated element ids are what update-page-content targets when no data-id was set.
INCLUDE_IDS: dict[str, dict[str, Any]] = {"includeIDs": {"type": "boolean", "in": "query"}}
#: Where create-onenote-page puts the page: a section of the default notebook (created if missing).
SECTION_NAME: dict[str, dict[str, Any]] = {"sectionName": {"type": "string", "in": "query"}}

_ME = "/me/onenote"
_SITE = "/sites/{siteId}/onenote"


_personal_tool = tool_maker(presets=PERSONAL)
_site_tool = tool_maker(presets=WORK, org_only=True)


def _me(name: str, method: str, path: str, description: str, scope: str, **extra: Any) -> ToolSpec:
    """A tool on the signed-in user's notebooks; ``path`` is relative to ``/me/onenote``."""
    return _personal_tool(name, method, _ME + path, description, scope, **extra)


def _site(name: str, method: str, path: str, description: str, scope: str, **extra: Any) -> ToolSpec:
    """A tool on a SharePoint site's notebooks; ``path`` is relative to ``/sites/{siteId}/onenote``."""
    return _site_tool(name, method, _SITE + path, description, scope, **extra)


def _list(select: tuple[str, ...]) -> dict[str, Any]:
    return {"query": LIST_QUERY, "default_select": select}


_NEW_NOTEBOOK: dict[str, Any] = {"body": NAME_BODY, "prepare": prepare_name(128)}
_NEW_SECTION: dict[str, Any] = {"body": NAME_BODY, "prepare": prepare_name(50)}
_NEW_PAGE: dict[str, Any] = {"body": PAGE_BODY, "content_type": "text/html", "prepare": prepare_page}
_PAGE_DESC = "body is the page HTML or {title, content} with plain text"

TOOLS: tuple[ToolSpec, ...] = (
    _me(
        "list-onenote-notebooks",
        "GET",
        "/notebooks",
        "List your notebooks; expand=sections,sectionGroups gives the tree.",
        "Notes.Read",
        **_list(NOTEBOOK_SELECT),
    ),
    _me("create-onenote-notebook", "POST", "/notebooks", "Create a notebook.", "Notes.Create", **_NEW_NOTEBOOK),
    ToolSpec(
        "get-onenote-notebook-from-web-url",
        "POST",
        _ME + "/notebooks/getNotebookFromWebUrl",
        "Find a notebook by its web link (work or school notebooks only).",
        org_scopes="Notes.Read",
        org_only=True,
        presets=PERSONAL,
        read_only=True,
        content_type="application/json",
        body=WEB_URL_BODY,
        prepare=prepare_web_url,
    ),
    _me(
        "list-onenote-notebook-sections",
        "GET",
        "/notebooks/{notebookId}/sections",
        "List the top-level sections of a notebook.",
        "Notes.Read",
        **_list(SECTION_SELECT),
    ),
    _me(
        "create-onenote-section",
        "POST",
        "/notebooks/{notebookId}/sections",
        "Create a section in a notebook (name up to 50 characters).",
        "Notes.Create",
        **_NEW_SECTION,
    ),
    _me(
        "list-all-onenote-sections",
        "GET",
        "/sections",
        "List sections of all your notebooks, section groups included.",
        "Notes.Read",
        **_list(SECTION_SELECT),
    ),
    _me(
        "list-onenote-section-groups",
        "GET",
        "/sectionGroups",
        "List section groups of all your notebooks.",
        "Notes.Read",
        **_list(GROUP_SELECT),
    ),
    _me(
        "list-onenote-pages",
        "GET",
        "/pages",
        "List your pages across notebooks, newest change first.",
        "Notes.Read",
        **_list(PAGE_SELECT),
    ),
    _me(
        "list-onenote-section-pages",
        "GET",
        "/sections/{onenoteSectionId}/pages",
        "List the pages of a section, newest change first.",
        "Notes.Read",
        **_list(PAGE_SELECT),
    ),
    _me(
        "get-onenote-page-content",
        "GET",
        "/pages/{onenotePageId}/content",
        "Get a page as HTML; includeIDs adds element ids for updates.",
        "Notes.Read",
        params=INCLUDE_IDS,
    ),
    _me(
        "create-onenote-page",
        "POST",
        "/pages",
        f"Create a page in the default notebook (sectionName picks the section); {_PAGE_DESC}.",
        "Notes.Create",
        params=SECTION_NAME,
        **_NEW_PAGE,
    ),
    _me(
        "create-onenote-section-page",
        "POST",
        "/sections/{onenoteSectionId}/pages",
        f"Create a page in a section; {_PAGE_DESC}.",
        "Notes.Create",
        **_NEW_PAGE,
    ),
    _me("delete-onenote-page", "DELETE", "/pages/{onenotePageId}", "Delete a page.", "Notes.ReadWrite"),
    _site(
        "list-sharepoint-site-onenote-notebooks",
        "GET",
        "/notebooks",
        "List a SharePoint site's notebooks.",
        "Notes.Read",
        **_list(NOTEBOOK_SELECT),
    ),
    _site(
        "create-sharepoint-site-onenote-notebook",
        "POST",
        "/notebooks",
        "Create a notebook in a SharePoint site.",
        "Notes.Create",
        **_NEW_NOTEBOOK,
    ),
    _site(
        "list-sharepoint-site-onenote-notebook-sections",
        "GET",
        "/notebooks/{notebookId}/sections",
        "List the top-level sections of a site notebook.",
        "Notes.Read",
        **_list(SECTION_SELECT),
    ),
    _site(
        "create-sharepoint-site-onenote-section",
        "POST",
        "/notebooks/{notebookId}/sections",
        "Create a section in a site notebook.",
        "Notes.Create",
        **_NEW_SECTION,
    ),
    _site(
        "list-sharepoint-site-onenote-notebook-section-groups",
        "GET",
        "/notebooks/{notebookId}/sectionGroups",
        "List the top-level section groups of a site notebook.",
        "Notes.Read",
        **_list(GROUP_SELECT),
    ),
    _site(
        "list-sharepoint-site-onenote-section-group-sections",
        "GET",
        "/sectionGroups/{sectionGroupId}/sections",
        "List the sections in a site section group.",
        "Notes.Read",
        **_list(SECTION_SELECT),
    ),
    _site(
        "list-sharepoint-site-onenote-section-group-section-groups",
        "GET",
        "/sectionGroups/{sectionGroupId}/sectionGroups",
        "List the section groups nested in a site section group.",
        "Notes.Read",
        **_list(GROUP_SELECT),
    ),
    _site(
        "create-sharepoint-site-onenote-section-group-section",
        "POST",
        "/sectionGroups/{sectionGroupId}/sections",
        "Create a section in a site section group.",
        "Notes.Create",
        **_NEW_SECTION,
    ),
    _site(
        "list-sharepoint-site-onenote-section-pages",
        "GET",
        "/sections/{onenoteSectionId}/pages",
        "List the pages of a site section, newest change first.",
        "Notes.Read",
        **_list(PAGE_SELECT),
    ),
    _site(
        "get-sharepoint-site-onenote-page-content",
        "GET",
        "/pages/{onenotePageId}/content",
        "Get a site page as HTML; includeIDs adds element ids for updates.",
        "Notes.Read",
        params=INCLUDE_IDS,
    ),
    _site(
        "create-sharepoint-site-onenote-section-page",
        "POST",
        "/sections/{onenoteSectionId}/pages",
        f"Create a page in a site section; {_PAGE_DESC}.",
        "Notes.Create",
        **_NEW_PAGE,
    ),
    _site(
        "update-sharepoint-site-onenote-page-content",
        "PATCH",
        "/pages/{onenotePageId}/content",
        "Change a site page: body is a list of {target: body|title|#data-id|id, action, content}.",
        "Notes.ReadWrite",
        body=CHANGES_BODY,
        prepare=prepare_page_changes,
    ),
    _site(
        "delete-sharepoint-site-onenote-page",
        "DELETE",
        "/pages/{onenotePageId}",
        "Delete a site page.",
        "Notes.ReadWrite",
    ),
)


def register_all(register: Callable[[ToolSpec], None]) -> None:
    """Hand every OneNote tool to the core."""
    for spec in TOOLS:
        register(spec)
