"""The sandbox's OneNote: notebooks, section groups, sections and HTML pages, served like Graph.

Each owner (a user for ``/me/onenote``, a SharePoint site for ``/sites/{siteId}/onenote``) has its
own set of notebooks. Pages keep their body as HTML with a generated id on every element, the way
OneNote does, so ``includeIDs=true`` and PATCH commands that target ``#data-id`` or an id work.
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import itertools
import random
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import attrs
from bs4 import BeautifulSoup, Tag
from starlette.responses import JSONResponse, Response

from ms365mcp.sandbox.bodies import json_object, refuse_unknown
from ms365mcp.sandbox.odata import list_page, option
from ms365mcp.sandbox.tenant import GraphError, SandboxRequest, SandboxTenant, SandboxUser
from ms365mcp_onenote import seed

STORE_KEY = "onenote"
GRAPH = "https://graph.microsoft.com/v1.0"
FORBIDDEN = set('?*/:<>|\\"')
PATCH_FIELDS = frozenset({"target", "action", "content", "position"})
ACTIONS = frozenset({"append", "delete", "insert", "prepend", "replace"})


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _now() -> str:
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _ref(entity: dict[str, Any] | None, name_key: str = "displayName") -> dict[str, Any] | None:
    """The short form Graph nests for a parent: id, name and self link."""
    if entity is None:
        return None
    return {"id": entity["id"], name_key: entity[name_key], "self": entity["self"]}


@attrs.define
class PageBody:
    """A page's title and its body HTML (a default div holding the content), every element with an id."""

    title: str
    created: str
    html: str
    guid: str
    counter: itertools.count = attrs.field(factory=lambda: itertools.count(1))

    def new_id(self, tag: str) -> str:
        return f"{tag}:{{{self.guid}}}{{{next(self.counter)}}}"

    def label(self, root: Tag) -> None:
        """Give every element without an id a generated one, as OneNote does on save."""
        for element in [root, *root.find_all(True)]:
            if isinstance(element, Tag) and not element.get("id"):
                element["id"] = self.new_id(element.name)

    def render(self, include_ids: bool) -> str:
        soup = BeautifulSoup(self.html, "html.parser")
        if not include_ids:
            for element in soup.find_all(True):
                element.attrs.pop("id", None)
        return (
            '<html lang="en-US">\n\t<head>\n'
            f"\t\t<title>{html.escape(self.title)}</title>\n"
            '\t\t<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
            f'\t\t<meta name="created" content="{self.created}" />\n'
            '\t</head>\n\t<body data-absolute-enabled="true" style="font-family:Calibri;font-size:11pt">\n'
            f"\t\t{soup}\n\t</body>\n</html>\n"
        )


@attrs.define
class Notes:
    """One owner's notebooks; ``prefix`` is the Graph path the owner's entities hang under."""

    owner: dict[str, str]
    """Graph identity of whoever creates things here: ``{"id", "displayName"}``."""
    prefix: str
    web_root: str
    rng: random.Random
    notebooks: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    groups: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    sections: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    pages: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    bodies: dict[str, PageBody] = attrs.field(factory=dict)

    # -- ids, links and stamps -----------------------------------------------------------------
    def new_id(self) -> str:
        return f"1-{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"

    def _base(self, kind: str, entity_id: str, name: str, when: str) -> dict[str, Any]:
        who = {"user": dict(self.owner)}
        return {
            "id": entity_id,
            "self": f"{GRAPH}{self.prefix}/{kind}/{entity_id}",
            "createdDateTime": when,
            "lastModifiedDateTime": when,
            "displayName": name,
            "createdBy": who,
            "lastModifiedBy": who,
        }

    def _links(self, path: str) -> dict[str, Any]:
        web = f"{self.web_root}/{quote(path)}"
        return {"oneNoteClientUrl": {"href": "onenote:" + web}, "oneNoteWebUrl": {"href": web}}

    def _page_links(self, section: dict[str, Any], title: str, guid: str) -> dict[str, Any]:
        """A page link the way OneNote writes one: the notebook, then a ``wd=target(...)`` locator."""
        where = quote(f"{section['displayName']}.one|{guid}/{title}", safe="")
        web = f"{self.web_root}/{quote(section['parentNotebook']['displayName'])}?wd=target%28{where}%29"
        return {"oneNoteClientUrl": {"href": "onenote:" + web}, "oneNoteWebUrl": {"href": web}}

    # -- lookups ---------------------------------------------------------------------------------
    def notebook(self, notebook_id: str) -> dict[str, Any]:
        return _find(self.notebooks, notebook_id, "notebook")

    def group(self, group_id: str) -> dict[str, Any]:
        return _find(self.groups, group_id, "section group")

    def section(self, section_id: str) -> dict[str, Any]:
        return _find(self.sections, section_id, "section")

    def page(self, page_id: str) -> dict[str, Any]:
        return _find(self.pages, page_id, "page")

    def default_notebook(self) -> dict[str, Any]:
        for notebook in self.notebooks.values():
            if notebook["isDefault"]:
                return notebook
        first = self.owner["displayName"].split()[0]
        return self.add_notebook(f"{first}'s Notebook", _now(), default=True)

    # -- creation --------------------------------------------------------------------------------
    def add_notebook(self, name: str, when: str, *, default: bool = False) -> dict[str, Any]:
        _check_name(name, 128, self.notebooks.values(), lambda n: True, "notebook")
        notebook = self._base("notebooks", self.new_id(), name, when)
        notebook.update(
            isDefault=default,
            isShared=self.prefix.startswith("/sites"),
            userRole="Owner",
            sectionsUrl=notebook["self"] + "/sections",
            sectionGroupsUrl=notebook["self"] + "/sectionGroups",
            links=self._links(name),
        )
        self.notebooks[notebook["id"]] = notebook
        return notebook

    def add_group(self, name: str, notebook: dict[str, Any], parent: dict[str, Any] | None, when: str) -> dict:
        group = self._base("sectionGroups", self.new_id(), name, when)
        group.update(
            sectionsUrl=group["self"] + "/sections",
            sectionGroupsUrl=group["self"] + "/sectionGroups",
            parentNotebook=_ref(notebook),
            parentSectionGroup=_ref(parent),
        )
        self.groups[group["id"]] = group
        return group

    def add_section(self, name: str, notebook: dict[str, Any], group: dict[str, Any] | None, when: str) -> dict:
        parent_id = group["id"] if group else None
        _check_name(
            name,
            50,
            self.sections.values(),
            lambda s: (
                s["parentNotebook"]["id"] == notebook["id"] and (s["parentSectionGroup"] or {}).get("id") == parent_id
            ),
            "section",
        )
        first = not any(s["parentNotebook"]["id"] == notebook["id"] for s in self.sections.values())
        section = self._base("sections", self.new_id(), name, when)
        section.update(
            isDefault=first,
            pagesUrl=section["self"] + "/pages",
            links=self._links(f"{notebook['displayName']}/{name}.one"),
            parentNotebook=_ref(notebook),
            parentSectionGroup=_ref(group),
        )
        self.sections[section["id"]] = section
        return section

    def add_page(self, section: dict[str, Any], document: str, when: str, page_id: str | None = None) -> dict:
        soup = BeautifulSoup(document, "html.parser")
        title = soup.title.get_text().strip() if soup.title else ""
        if soup.head:
            soup.head.decompose()
        content = soup.body or soup.html or soup
        body = PageBody(
            title=title, created=when, html="", guid=str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        )
        holder = BeautifulSoup("", "html.parser")
        div = holder.new_tag("div", attrs={"data-id": "_default", "style": "position:absolute;left:48px;top:120px"})
        for child in list(content.contents):
            if not (isinstance(child, str) and not child.strip()):
                div.append(child.extract())
        body.label(div)
        body.html = str(div)
        page_id = page_id or f"{self.new_id()}!{self.rng.randint(10, 99)}-{section['id'][2:10]}"
        siblings = [p for p in self.pages.values() if p["parentSection"]["id"] == section["id"]]
        page = {
            "id": page_id,
            "self": f"{GRAPH}{self.prefix}/pages/{page_id}",
            "createdDateTime": when,
            "title": title,
            "createdByAppId": "",
            "contentUrl": f"{GRAPH}{self.prefix}/pages/{page_id}/content",
            "lastModifiedDateTime": when,
            "level": 0,
            "order": len(siblings),
            "links": self._page_links(section, title, body.guid),
            "parentSection": _ref(section),
        }
        self.pages[page_id] = page
        self.bodies[page_id] = body
        return page

    def notebook_of(self, section: dict[str, Any]) -> dict[str, Any]:
        return self.notebooks[section["parentNotebook"]["id"]]


def _find(items: dict[str, dict[str, Any]], key: str, kind: str) -> dict[str, Any]:
    found = items.get(key)
    if found is None:
        raise GraphError(404, "20102", f"The specified {kind} ID '{key}' does not exist.")
    return found


def _check_name(name: Any, limit: int, existing: Any, same_place: Any, kind: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise GraphError(400, "20104", f"The {kind} name can't be empty.")
    if len(name) > limit or FORBIDDEN & set(name):
        raise GraphError(
            400, "20153", f"The {kind} name must be at most {limit} characters and can't contain ?*/:<>|\\\"."
        )
    for entity in existing:
        if same_place(entity) and entity["displayName"].lower() == name.lower():
            raise GraphError(409, "20117", "An item with this name already exists in this location.")


# --- seeding ----------------------------------------------------------------------------------


def _fill(notes: Notes, notebooks: dict[str, seed.Outline], pages: tuple, encoded: str | None, age: int) -> None:
    by_name: dict[str, dict[str, Any]] = {}

    def walk(outline: seed.Outline, notebook: dict[str, Any], group: dict[str, Any] | None, when: str) -> None:
        section_names, groups = outline
        for name in section_names:
            by_name[name] = notes.add_section(name, notebook, group, when)
        for name, inner in groups.items():
            walk(inner, notebook, notes.add_group(name, notebook, group, when), when)

    for i, (name, outline) in enumerate(notebooks.items()):
        when = _stamp(seed.ANCHOR - timedelta(days=age - 30 * i))
        walk(outline, notes.add_notebook(name, when, default=i == 0), None, when)
    for i, (section, title, days, body) in enumerate(pages):
        when = _stamp(seed.ANCHOR - timedelta(days=days, hours=i))
        page_id = encoded if i == 0 else None
        notes.add_page(
            by_name[section], f"<html><head><title>{title}</title></head><body>{body}</body></html>", when, page_id
        )
        by_name[section]["lastModifiedDateTime"] = max(by_name[section]["lastModifiedDateTime"], when)


def _user_notes(user: SandboxUser) -> Notes:
    home = user.userPrincipalName.replace("@", "_").replace(".", "_")
    return Notes(
        owner={"id": user.id, "displayName": user.displayName},
        prefix=f"/users/{user.id}/onenote",
        web_root=f"https://contoso-my.sharepoint.com/personal/{home}/Documents/Notebooks",
        rng=random.Random(f"ms365mcp-onenote:{user.id}"),
    )


def seed_tenant(tenant: SandboxTenant) -> dict[str, Notes]:
    """Adele's two notebooks and the Marketing site's notebook, the same on every start."""
    notes = {f"user:{tenant.me.id}": _user_notes(tenant.me)}
    _fill(notes[f"user:{tenant.me.id}"], seed.MY_NOTEBOOKS, seed.MY_PAGES, seed.ENCODED_PAGE_ID, 400)
    site = Notes(
        owner={"id": tenant.me.id, "displayName": tenant.me.displayName},
        prefix=f"/sites/{seed.SITE_ID}/onenote",
        web_root=seed.SITE_WEB_URL + "/SiteAssets",
        rng=random.Random("ms365mcp-onenote:site:marketing"),
    )
    _fill(site, seed.SITE_NOTEBOOKS, seed.SITE_PAGES, None, 380)
    notes[f"site:{seed.SITE_ID.lower()}"] = site
    return notes


# --- routes -------------------------------------------------------------------------------------


def _notes(request: SandboxRequest) -> Notes:
    store: dict[str, Notes] = request.tenant.store[STORE_KEY]
    site_id = request.params.get("siteId")
    if site_id is not None:
        found = store.get(f"site:{site_id.lower()}")
        if found is None:
            raise GraphError(404, "itemNotFound", "Requested site could not be found")
        return found
    return store.setdefault(f"user:{request.user.id}", _user_notes(request.user))


def _expanded(request: SandboxRequest) -> set[str]:
    text = option(request, "expand") or ""
    depth, names, current = 0, set(), ""
    for char in text + ",":
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            names.add(current.strip())
            current = ""
            continue
        if depth == 0 and char != ")":
            current += char
    return {n for n in names if n}


def _sort_by_name(items: Any) -> list[dict[str, Any]]:
    return sorted(items, key=lambda e: e["displayName"].lower())


def _listing(request: SandboxRequest, items: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    return list_page(request, items, search_fields=("displayName", "title"), **kwargs)


def _created(entity: dict[str, Any]) -> JSONResponse:
    return JSONResponse(entity, status_code=201)


async def list_notebooks(request: SandboxRequest) -> Any:
    notes = _notes(request)
    expand = _expanded(request)
    nested = re.search(r"sectionGroups\(\s*\$expand=[^)]*sections", option(request, "expand") or "") is not None
    items = []
    for notebook in _sort_by_name(notes.notebooks.values()):
        item = dict(notebook)
        if "sections" in expand:
            item["sections"] = _sort_by_name(
                s
                for s in notes.sections.values()
                if s["parentNotebook"]["id"] == item["id"] and not s["parentSectionGroup"]
            )
        if "sectionGroups" in expand:
            groups = [
                g
                for g in notes.groups.values()
                if g["parentNotebook"]["id"] == item["id"] and not g["parentSectionGroup"]
            ]
            item["sectionGroups"] = [
                {**g, "sections": _sections_in(notes, g["id"])} if nested else g for g in _sort_by_name(groups)
            ]
        items.append(item)
    return _listing(request, items, default_top=100)


def _sections_in(notes: Notes, group_id: str) -> list[dict[str, Any]]:
    return _sort_by_name(s for s in notes.sections.values() if (s["parentSectionGroup"] or {}).get("id") == group_id)


async def create_notebook(request: SandboxRequest) -> Any:
    body = json_object(request)
    refuse_unknown(body, {"displayName"}, "notebook")
    return _created(_notes(request).add_notebook(body.get("displayName"), _now()))


async def list_sections(request: SandboxRequest) -> Any:
    notes = _notes(request)
    if "notebookId" in request.params:
        notebook_id = notes.notebook(request.params["notebookId"])["id"]
        items = [
            s
            for s in notes.sections.values()
            if s["parentNotebook"]["id"] == notebook_id and not s["parentSectionGroup"]
        ]
    elif "sectionGroupId" in request.params:
        items = _sections_in(notes, notes.group(request.params["sectionGroupId"])["id"])
    else:
        items = list(notes.sections.values())
    return _listing(request, _sort_by_name(items), default_top=100)


async def create_section(request: SandboxRequest) -> Any:
    notes = _notes(request)
    body = json_object(request)
    refuse_unknown(body, {"displayName"}, "onenoteSection")
    if "sectionGroupId" in request.params:
        group = notes.group(request.params["sectionGroupId"])
        notebook = notes.notebook(group["parentNotebook"]["id"])
    else:
        group, notebook = None, notes.notebook(request.params["notebookId"])
    return _created(notes.add_section(body.get("displayName"), notebook, group, _now()))


async def list_groups(request: SandboxRequest) -> Any:
    notes = _notes(request)
    if "notebookId" in request.params:
        notebook_id = notes.notebook(request.params["notebookId"])["id"]
        items = [
            g for g in notes.groups.values() if g["parentNotebook"]["id"] == notebook_id and not g["parentSectionGroup"]
        ]
    elif "sectionGroupId" in request.params:
        group_id = notes.group(request.params["sectionGroupId"])["id"]
        items = [g for g in notes.groups.values() if (g["parentSectionGroup"] or {}).get("id") == group_id]
    else:
        items = list(notes.groups.values())
    return _listing(request, _sort_by_name(items), default_top=100)


async def list_pages(request: SandboxRequest) -> Any:
    notes = _notes(request)
    items = list(notes.pages.values())
    if "onenoteSectionId" in request.params:
        section_id = notes.section(request.params["onenoteSectionId"])["id"]
        items = [p for p in items if p["parentSection"]["id"] == section_id]
    if "parentNotebook" in _expanded(request):
        items = [
            {**p, "parentNotebook": _ref(notes.notebook_of(notes.sections[p["parentSection"]["id"]]))} for p in items
        ]
    order = {page_id: i for i, page_id in enumerate(notes.pages)}  # ties: the later page first
    items.sort(key=lambda p: (p["lastModifiedDateTime"], order[p["id"]]), reverse=True)
    return _listing(request, items, default_top=20, max_top=100)


async def get_page_content(request: SandboxRequest) -> Any:
    notes = _notes(request)
    page_id = notes.page(request.params["onenotePageId"])["id"]
    include_ids = (request.query.get("includeIDs") or request.query.get("includeids") or "").lower() == "true"
    return Response(notes.bodies[page_id].render(include_ids), media_type="text/html")


def _presentation(content_type: str, body: bytes) -> bytes:
    """The HTML of a multipart/form-data page create: the part named ``Presentation``, as OneNote requires."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    for part in message.iter_parts() if message.is_multipart() else ():
        if part.get_param("name", header="content-disposition") == "Presentation":
            if part.get_content_type() not in ("text/html", "application/xhtml+xml"):
                raise GraphError(400, "20001", "The Presentation part must be text/html.")
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    raise GraphError(400, "20011", "A multipart page create needs a part named 'Presentation' with the page HTML.")


async def create_page(request: SandboxRequest) -> Any:
    notes = _notes(request)
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("multipart/form-data"):
        raw = _presentation(content_type, request.body)
    elif content_type.lower().startswith(("text/html", "application/xhtml+xml")):
        raw = request.body
    else:
        raise GraphError(415, "20001", "Send the page as text/html, or multipart/form-data with a Presentation part.")
    try:
        document = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise GraphError(400, "20001", "The page HTML must be UTF-8.") from None
    if not document.strip():
        raise GraphError(400, "20001", "The page HTML is empty.")
    if "onenoteSectionId" in request.params:
        section = notes.section(request.params["onenoteSectionId"])
    else:
        notebook = notes.default_notebook()
        wanted = request.query.get("sectionName")
        candidates = [
            s
            for s in notes.sections.values()
            if s["parentNotebook"]["id"] == notebook["id"] and not s["parentSectionGroup"]
        ]
        if wanted:
            section = next((s for s in candidates if s["displayName"].lower() == wanted.lower()), None) or (
                notes.add_section(wanted, notebook, None, _now())
            )
        else:
            section = next((s for s in candidates if s["isDefault"]), None) or notes.add_section(
                "Quick Notes", notebook, None, _now()
            )
    page = notes.add_page(section, document, _now())
    return _created(page)


async def delete_page(request: SandboxRequest) -> Any:
    notes = _notes(request)
    page_id = notes.page(request.params["onenotePageId"])["id"]
    del notes.pages[page_id]
    del notes.bodies[page_id]


#: Elements OneNote won't append or prepend children to (its update-page element table).
_NO_CHILDREN = frozenset({"img", "object", "table"})


def _fragment(content: str) -> list[Any]:
    soup = BeautifulSoup(content, "html.parser")
    return [node.extract() for node in list(soup.contents)]


def _apply(body: PageBody, commands: list[dict[str, Any]]) -> None:
    soup = BeautifulSoup(body.html, "html.parser")
    for i, command in enumerate(commands):
        target, action = command["target"], command["action"]
        if target == "title":
            if action != "replace":
                raise GraphError(400, "20127", f"Change {i}: the title can only be replaced.")
            body.title = BeautifulSoup(command["content"], "html.parser").get_text().strip()
            continue
        if target == "body":
            if action not in ("append", "prepend"):
                raise GraphError(400, "20127", f"Change {i}: the body takes only append or prepend.")
            element = soup.find(True)
        elif target.startswith("#"):
            element = soup.find(attrs={"data-id": target[1:]})
        else:
            element = soup.find(attrs={"id": target})
        if not isinstance(element, Tag):
            raise GraphError(400, "20128", f"Change {i}: the target '{target}' was not found on the page.")
        if element.name in _NO_CHILDREN and action in ("append", "prepend"):
            raise GraphError(400, "20127", f"Change {i}: a {element.name} element takes no append or prepend.")
        if action == "delete":
            if element.get("data-id") == "_default":
                raise GraphError(400, "20127", f"Change {i}: the page body can't be deleted.")
            element.decompose()
            continue
        holder = BeautifulSoup(f"<div>{command['content']}</div>", "html.parser").div
        assert holder is not None
        body.label(holder)
        nodes = [node.extract() for node in list(holder.contents)]
        before = command.get("position") == "before"
        if action == "replace":
            for node in reversed(nodes):
                element.insert_after(node)
            element.decompose()
        elif action == "insert" and before:
            for node in nodes:
                element.insert_before(node)
        elif action == "insert":
            for node in reversed(nodes):
                element.insert_after(node)
        elif action == "prepend" or (action == "append" and before):
            for node in reversed(nodes):
                element.insert(0, node)
        else:
            for node in nodes:
                element.append(node)
    body.html = str(soup)


def _commands(request: SandboxRequest) -> list[dict[str, Any]]:
    commands = request.json()
    if not isinstance(commands, list) or not commands:
        raise GraphError(400, "20001", "The PATCH body must be a JSON array of change objects.")
    for i, command in enumerate(commands):
        if not isinstance(command, dict):
            raise GraphError(400, "20001", f"Change {i} is not an object.")
        refuse_unknown(command, PATCH_FIELDS, "patchContentCommand")
        if not isinstance(command.get("target"), str) or command.get("action") not in ACTIONS:
            raise GraphError(400, "20001", f"Change {i} needs a target and one of the actions {sorted(ACTIONS)}.")
        if command["action"] != "delete" and not isinstance(command.get("content"), str):
            raise GraphError(400, "20001", f"Change {i} needs content.")
        if command.get("position", "after") not in ("after", "before"):
            raise GraphError(400, "20001", f"Change {i}: position is after or before.")
    return commands


async def update_page_content(request: SandboxRequest) -> Any:
    notes = _notes(request)
    page = notes.page(request.params["onenotePageId"])
    commands = _commands(request)
    body = notes.bodies[page["id"]]
    before = (body.title, body.html)
    try:
        _apply(body, commands)
    except GraphError:
        body.title, body.html = before  # OneNote applies all changes or none
        raise
    page.update(title=body.title, lastModifiedDateTime=_now())


async def notebook_from_web_url(request: SandboxRequest) -> Any:
    body = json_object(request)
    refuse_unknown(body, {"webUrl"}, "getNotebookFromWebUrl")
    url = str(body.get("webUrl") or "").strip().rstrip("/").lower()
    if not url:
        raise GraphError(400, "20001", "webUrl is required.")
    for notes in request.tenant.store[STORE_KEY].values():
        for notebook in notes.notebooks.values():
            if notebook["links"]["oneNoteWebUrl"]["href"].lower() == url:
                return {
                    "id": notebook["id"],
                    "name": notebook["displayName"],
                    "self": notebook["self"],
                    "isDefault": notebook["isDefault"],
                    "isShared": notebook["isShared"],
                    "userRole": notebook["userRole"],
                    "createdTime": notebook["createdDateTime"],
                    "lastModifiedTime": notebook["lastModifiedDateTime"],
                    "links": notebook["links"],
                    "sectionsUrl": notebook["sectionsUrl"],
                    "sectionGroupsUrl": notebook["sectionGroupsUrl"],
                }
    raise GraphError(404, "20102", "No notebook was found at that web URL.")


def setup(tenant: SandboxTenant) -> None:
    """Seed the notebooks and serve the OneNote routes for /me and for SharePoint sites."""
    tenant.store[STORE_KEY] = seed_tenant(tenant)
    route = tenant.route
    route("POST", "/me/onenote/notebooks/getNotebookFromWebUrl")(notebook_from_web_url)
    route("GET", "/me/onenote/sections")(list_sections)
    route("GET", "/me/onenote/sectionGroups")(list_groups)
    route("GET", "/me/onenote/pages")(list_pages)
    route("POST", "/me/onenote/pages")(create_page)
    for root in ("/me/onenote", "/sites/{siteId}/onenote"):
        route("GET", root + "/notebooks")(list_notebooks)
        route("POST", root + "/notebooks")(create_notebook)
        route("GET", root + "/notebooks/{notebookId}/sections")(list_sections)
        route("POST", root + "/notebooks/{notebookId}/sections")(create_section)
        route("GET", root + "/notebooks/{notebookId}/sectionGroups")(list_groups)
        route("GET", root + "/sectionGroups/{sectionGroupId}/sections")(list_sections)
        route("POST", root + "/sectionGroups/{sectionGroupId}/sections")(create_section)
        route("GET", root + "/sectionGroups/{sectionGroupId}/sectionGroups")(list_groups)
        route("GET", root + "/sections/{onenoteSectionId}/pages")(list_pages)
        route("POST", root + "/sections/{onenoteSectionId}/pages")(create_page)
        route("GET", root + "/pages/{onenotePageId}/content")(get_page_content)
        route("PATCH", root + "/pages/{onenotePageId}/content")(update_page_content)
        route("DELETE", root + "/pages/{onenotePageId}")(delete_page)
