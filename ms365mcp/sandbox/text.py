"""How the sandbox renders an HTML body as text, as Outlook does for ``Prefer: outlook.body-content-type="text"``."""

from __future__ import annotations

import functools
import re
import warnings
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning


@functools.lru_cache(maxsize=4096)
def html_to_text(html: str) -> str:
    """Plain text of an HTML body, one line per block.

    Cached: list calls convert every item for search and previews, and bodies rarely change.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "head", "title"]):
        hidden.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in soup.get_text("\n").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def body_text(body: dict[str, Any] | None) -> str:
    """The plain text of a Graph itemBody, whatever its content type."""
    if not body:
        return ""
    content = str(body.get("content") or "")
    return html_to_text(content) if str(body.get("contentType", "")).lower() == "html" else content
