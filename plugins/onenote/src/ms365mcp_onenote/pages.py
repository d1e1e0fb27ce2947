"""Friendly page input: OneNote wants an HTML document, people think in a title and some lines of text.

``create-*-page`` takes either the HTML Graph expects or ``{"title", "content"}`` with plain text,
which becomes a small, valid document here, so the input schema stays two strings long.
``update-*-page-content`` takes Graph's list of ``{target, action, content}`` commands; the checks
here refuse the combinations OneNote rejects with a field path instead of a numeric Graph error.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ms365mcp.errors import ToolInputError
from ms365mcp.inputs import body_of

#: What can be done to an element of a page, as OneNote names it.
ACTIONS = ("append", "delete", "insert", "prepend", "replace")
#: Characters OneNote refuses in notebook and section names.
FORBIDDEN_NAME_CHARS = set('?*/:<>|\\"')
_LOOKS_LIKE_HTML = re.compile(r"<\s*[A-Za-z!/]")
_BULLET = re.compile(r"^\s*[-*•]\s+")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")


def looks_like_html(text: str) -> bool:
    """True when the text carries markup, so it is passed on rather than escaped."""
    return bool(_LOOKS_LIKE_HTML.search(text))


def _block(lines: list[str]) -> str:
    """One paragraph of text lines: a bullet or numbered list when every line is an item."""
    if all(_BULLET.match(line) for line in lines):
        items = "".join(f"<li>{html.escape(_BULLET.sub('', line))}</li>" for line in lines)
        return f"<ul>{items}</ul>"
    if all(_NUMBERED.match(line) for line in lines):
        items = "".join(f"<li>{html.escape(_NUMBERED.sub('', line))}</li>" for line in lines)
        return f"<ol>{items}</ol>"
    return "<p>" + "<br/>".join(html.escape(line) for line in lines) + "</p>"


def text_to_html(text: str) -> str:
    """Plain text as OneNote body HTML: blank lines split paragraphs, "- " lines make lists."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            blocks[-1].append(line.rstrip())
        elif blocks[-1]:
            blocks.append([])
    return "".join(_block(lines) for lines in blocks if lines)


def page_document(title: str, body_html: str) -> str:
    """A complete page as the OneNote create-page API reads it (the title lives in ``<head>``)."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"/>'
        f"<title>{html.escape(title)}</title></head><body>{body_html}</body></html>"
    )


def prepare_page(args: dict[str, Any]) -> None:
    """``body`` as an HTML document string, built from ``{title, content}`` when given that way."""
    body = args.get("body")
    if isinstance(body, str):
        if not body.strip():
            raise ToolInputError("body", "is empty; give the page HTML or {title, content}")
        if "<html" not in body.lower():  # a fragment: wrap it so OneNote reads it as the page body
            args["body"] = page_document("", body if looks_like_html(body) else text_to_html(body))
        return
    body = body_of(args, required=True)
    unknown = sorted(set(body) - {"title", "content"})
    if unknown:
        raise ToolInputError(f"body.{unknown[0]}", "unknown field; give title and content, or the page HTML as body")
    title, content = body.get("title", ""), body.get("content", "")
    for field, value in (("title", title), ("content", content)):
        if not isinstance(value, str):
            raise ToolInputError(f"body.{field}", "expected a string")
    if not title.strip() and not content.strip():
        raise ToolInputError("body.title", "give a title, some content, or both")
    args["body"] = page_document(title.strip(), content if looks_like_html(content) else text_to_html(content))


def _target(value: Any, field: str) -> str:
    """The element a command acts on; a bare data-id gets the ``#`` OneNote wants in front of it."""
    if not isinstance(value, str) or not value.strip():
        raise ToolInputError(field, 'give "body", "title", "#data-id" or an element id from get-page-content')
    target = value.strip()
    if target.lower() in ("body", "title"):
        return target.lower()
    if not target.startswith("#") and ":" not in target:  # generated ids look like "p:{guid}{n}"
        target = "#" + target
    return target


def prepare_page_changes(args: dict[str, Any]) -> None:
    """Check each change command and turn plain-text content into a paragraph."""
    commands = args.get("body")
    if isinstance(commands, dict):
        commands = args["body"] = [commands]
    if not isinstance(commands, list) or not commands:
        raise ToolInputError("body", "give a list of {target, action, content} changes")
    for i, command in enumerate(commands):
        field = f"body[{i}]"
        if not isinstance(command, dict):
            raise ToolInputError(field, "expected an object with target, action and content")
        target = command["target"] = _target(command.get("target"), f"{field}.target")
        action = command.get("action")
        if action not in ACTIONS:
            raise ToolInputError(f"{field}.action", f"must be one of {', '.join(ACTIONS)}")
        if target == "title" and action != "replace":
            raise ToolInputError(f"{field}.action", 'the title can only be changed with "replace"')
        if target == "body" and action not in ("append", "prepend"):
            raise ToolInputError(f"{field}.action", 'the page body takes only "append" or "prepend"')
        position = command.get("position")
        if position is not None and (position not in ("after", "before") or action not in ("insert", "append")):
            raise ToolInputError(f"{field}.position", 'is "after" or "before", and only with insert or append')
        content = command.get("content")
        if action == "delete":
            command.pop("content", None)
            continue
        if not isinstance(content, str) or (not content.strip() and target == "title"):
            raise ToolInputError(f"{field}.content", "give the HTML (or plain text) to put on the page")
        if target != "title" and not looks_like_html(content):
            command["content"] = text_to_html(content) or "<p></p>"


def prepare_name(limit: int) -> Any:
    """A prepare step that checks ``body.displayName`` the way OneNote does (length and characters)."""

    def check(args: dict[str, Any]) -> None:
        body = body_of(args, required=True)
        name = body.get("displayName")
        if not isinstance(name, str) or not name.strip():
            raise ToolInputError("body.displayName", "give a name")
        name = name.strip()
        if len(name) > limit:
            raise ToolInputError("body.displayName", f"is longer than OneNote's limit of {limit} characters")
        bad = sorted(FORBIDDEN_NAME_CHARS & set(name))
        if bad:
            raise ToolInputError("body.displayName", f"can't contain {' '.join(bad)}")
        body["displayName"] = name

    return check


def prepare_web_url(args: dict[str, Any]) -> None:
    """The notebook link must be a web address (the one OneNote's Share or Copy Link gives)."""
    url = body_of(args, required=True).get("webUrl")
    if not isinstance(url, str) or not re.match(r"^https?://\S+$", url.strip()):
        raise ToolInputError("body.webUrl", "give the notebook's https:// link")
    args["body"]["webUrl"] = url.strip()
