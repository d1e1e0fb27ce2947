"""A small OData engine for sandbox collections: $filter, $search, $orderby, paging, $select, $count.

Every sandbox workload lists things (messages, events, contacts, drive items), and each list must
page, filter and project the way Graph does so tools and the paging code are exercised for real.
This module does that once over plain dicts; handlers pass the full collection and return the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from ms365mcp.sandbox.tenant import GraphError, SandboxRequest

__all__ = [
    "DEFAULT_SEARCH_ALIASES",
    "compile_filter",
    "get_path",
    "list_page",
    "matches_search",
    "odata_context",
    "option",
    "select_fields",
    "select_item",
    "sort_items",
]

#: KQL property prefixes (``from:adele``) and the fields they search.
DEFAULT_SEARCH_ALIASES: Mapping[str, tuple[str, ...]] = {
    "from": ("from/emailAddress/address", "from/emailAddress/name"),
    "to": ("toRecipients/emailAddress/address", "toRecipients/emailAddress/name"),
    "cc": ("ccRecipients/emailAddress/address", "ccRecipients/emailAddress/name"),
    "subject": ("subject",),
    "body": ("body/content", "bodyPreview"),
    "name": ("name", "displayName"),
}

_MISSING = object()


# --- values and paths ---------------------------------------------------------------------


def option(request: SandboxRequest, name: str) -> str | None:
    """A query option, with or without its ``$`` (Graph v1.0 accepts both)."""
    value = request.query.get("$" + name)
    return value if value is not None else request.query.get(name)


def get_path(item: Any, path: str) -> Any:
    """Follow ``a/b/c`` through dicts; through a list it collects the values of every element."""
    current: Any = item
    for part in path.split("/"):
        if isinstance(current, list):
            collected = [get_path(element, part) for element in current]
            current = [v for v in collected if v is not None]
        elif isinstance(current, Mapping):
            current = current.get(part)
        else:
            return None
        if current is None:
            return None
    return current


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$")


def _as_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return None
    text = value.replace("Z", "+00:00")
    if "T" not in text:
        text += "T00:00:00+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Bring two operands to one type: dates to datetimes, strings to lower case (Exchange is case-insensitive)."""
    left_dt, right_dt = _as_datetime(left), _as_datetime(right)
    if left_dt is not None and right_dt is not None:
        return left_dt, right_dt
    if isinstance(left, str) and isinstance(right, str):
        return left.lower(), right.lower()
    return left, right


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, list):  # a path through a collection: true when any element matches
        return any(_compare(op, element, right) for element in left)
    left, right = _comparable(left, right)
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if left is None or right is None:
        return False
    try:
        if op == "gt":
            return bool(left > right)
        if op == "ge":
            return bool(left >= right)
        if op == "lt":
            return bool(left < right)
        return bool(left <= right)
    except TypeError:
        return False


# --- $filter --------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<date>\d{4}-\d{2}-\d{2}(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?)(?![\w-])
      | (?P<number>-?\d+(?:\.\d+)?)(?![\w])
      | (?P<path>[A-Za-z_@][\w@.]*(?:/[A-Za-z_@][\w@.]*)*)
      | (?P<punct>[(),:])
    )""",
    re.VERBOSE,
)
_COMPARISONS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
_BOOL_FUNCS = frozenset({"contains", "startswith", "endswith"})
_VALUE_FUNCS = frozenset({"tolower", "toupper", "trim"})

Env = dict[str, Any]
Expr = Callable[[Any, Env], Any]


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _bad_filter(f"syntax error at position {pos} in '{text}'.")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _bad_filter(detail: str) -> GraphError:
    return GraphError(400, "BadRequest", f"Invalid filter clause: {detail}")


class _FilterParser:
    """Recursive descent over or / and / not / comparison / function call / lambda (any, all)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _bad_filter(f"unexpected end of '{self.text}'.")
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        _, text = self.take()
        if text != value:
            raise _bad_filter(f"expected '{value}' but found '{text}' in '{self.text}'.")

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token and token[0] == "path" and token[1].lower() in words:
            self.pos += 1
            return token[1].lower()
        return None

    def parse(self) -> Expr:
        expr = self.or_expr()
        if self.peek() is not None:
            raise _bad_filter(f"unexpected '{self.peek()[1]}' in '{self.text}'.")  # type: ignore[index]
        return expr

    def or_expr(self) -> Expr:
        terms = [self.and_expr()]
        while self.keyword("or"):
            terms.append(self.and_expr())
        if len(terms) == 1:
            return terms[0]
        return lambda item, env: any(t(item, env) is True for t in terms)

    def and_expr(self) -> Expr:
        terms = [self.not_expr()]
        while self.keyword("and"):
            terms.append(self.not_expr())
        if len(terms) == 1:
            return terms[0]
        return lambda item, env: all(t(item, env) is True for t in terms)

    def not_expr(self) -> Expr:
        if self.keyword("not"):
            inner = self.not_expr()
            return lambda item, env: inner(item, env) is not True
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.operand()
        token = self.peek()
        if token and token[0] == "path" and token[1].lower() in _COMPARISONS:
            op = self.take()[1].lower()
            right = self.operand()
            return lambda item, env: _compare(op, left(item, env), right(item, env))
        return left  # a bare operand: a boolean property, a function call or a value inside a call

    def operand(self) -> Expr:
        kind, text = self.take()
        if text == "(":
            inner = self.or_expr()
            self.expect(")")
            return inner
        if kind == "string":
            value = text[1:-1].replace("''", "'")
            return lambda item, env: value
        if kind == "number":
            number = float(text) if "." in text else int(text)
            return lambda item, env: number
        if kind == "date":
            return lambda item, env: text
        if kind != "path":
            raise _bad_filter(f"unexpected '{text}' in '{self.text}'.")
        lowered = text.lower()
        if lowered in ("true", "false"):
            flag = lowered == "true"
            return lambda item, env: flag
        if lowered == "null":
            return lambda item, env: None
        nxt = self.peek()
        if nxt and nxt[1] == "(":
            return self.call(text)
        return self.path(text)

    def path(self, text: str) -> Expr:
        head, _, rest = text.partition("/")

        def resolve(item: Any, env: Env) -> Any:
            if head in env:
                return get_path(env[head], rest) if rest else env[head]
            return get_path(item, text)

        return resolve

    def call(self, name: str) -> Expr:
        lowered = name.rsplit("/", 1)[-1].lower()
        self.expect("(")
        if "/" in name and lowered in ("any", "all"):
            return self.lambda_call(name.rsplit("/", 1)[0], lowered)
        args = [self.or_expr()]
        while self.peek() and self.peek()[1] == ",":  # type: ignore[index]
            self.take()
            args.append(self.or_expr())
        self.expect(")")
        if lowered in _BOOL_FUNCS and len(args) == 2:
            haystack_of, needle_of = args

            def test(item: Any, env: Env) -> bool:
                haystack, needle = haystack_of(item, env), needle_of(item, env)
                if not isinstance(needle, str):
                    return False
                values = haystack if isinstance(haystack, list) else [haystack]
                for value in values:
                    if isinstance(value, str):
                        h, n = value.lower(), needle.lower()
                        if (
                            (lowered == "contains" and n in h)
                            or (lowered == "startswith" and h.startswith(n))
                            or (lowered == "endswith" and h.endswith(n))
                        ):
                            return True
                return False

            return test
        if lowered in _VALUE_FUNCS and len(args) == 1:
            (arg,) = args

            def transform(item: Any, env: Env) -> Any:
                value = arg(item, env)
                if not isinstance(value, str):
                    return value
                return {"tolower": value.lower, "toupper": value.upper, "trim": value.strip}[lowered]()

            return transform
        raise _bad_filter(f"the function '{name}' is not supported in '{self.text}'.")

    def lambda_call(self, collection_path: str, kind: str) -> Expr:
        kind_var, var = self.take()
        if kind_var != "path" or "/" in var:
            raise _bad_filter(f"expected a lambda variable after '{collection_path}/{kind}(' in '{self.text}'.")
        self.expect(":")
        body = self.or_expr()
        self.expect(")")
        collection = self.path(collection_path)

        def test(item: Any, env: Env) -> bool:
            elements = collection(item, env) or []
            if not isinstance(elements, list):
                elements = [elements]
            results = (body(item, {**env, var: element}) is True for element in elements)
            return any(results) if kind == "any" else all(results)

        return test


def compile_filter(text: str) -> Callable[[Any], bool]:
    """Compile a ``$filter`` expression into a predicate.

    Raises:
        GraphError: 400 BadRequest when the expression can't be parsed.
    """
    expr = _FilterParser(text).parse()
    return lambda item: expr(item, {}) is True


# --- $search --------------------------------------------------------------------------------

_SEARCH_TERM = re.compile(r'(?:(?P<prop>[A-Za-z]+):)?(?:"(?P<phrase>(?:[^"\\]|\\.)*)"|(?P<word>\S+))')


def _search_terms(text: str) -> list[tuple[str | None, str]]:
    text = text.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1].replace('\\"', '"')
    terms: list[tuple[str | None, str]] = []
    for match in _SEARCH_TERM.finditer(text):
        value = match.group("phrase") if match.group("phrase") is not None else match.group("word")
        if match.group("prop") is None and value in ("AND", "OR", "NOT"):
            continue
        terms.append((match.group("prop"), value.replace('\\"', '"')))
    return terms


def _text_values(value: Any) -> Iterable[str]:
    if isinstance(value, list):
        for element in value:
            yield from _text_values(element)
    elif value is not None and not isinstance(value, (dict, bool)):
        yield str(value)


def matches_search(
    item: Any,
    text: str,
    search_fields: tuple[str, ...],
    aliases: Mapping[str, tuple[str, ...]] = DEFAULT_SEARCH_ALIASES,
) -> bool:
    """True when every term of a KQL-ish ``$search`` occurs (case-insensitively) in the item."""
    for prop, value in _search_terms(text):
        fields = search_fields if prop is None else aliases.get(prop.lower(), (prop,))
        needle = value.lower()
        if not any(needle in v.lower() for f in fields for v in _text_values(get_path(item, f))):
            return False
    return True


# --- $orderby, $select, paging ----------------------------------------------------------------


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, str):
        parsed = _as_datetime(value)
        return (1, parsed.isoformat()) if parsed else (1, value.lower())
    if isinstance(value, bool | int | float):
        return (2, value)
    return (3, str(value))


def sort_items(items: list[Any], orderby: str) -> list[Any]:
    """Sort by a comma list of ``path [asc|desc]`` (nulls first when ascending, as OData does)."""
    ordered = list(items)
    clauses = [c.split() for c in orderby.split(",") if c.strip()]
    for clause in reversed(clauses):
        if len(clause) > 2 or (len(clause) == 2 and clause[1].lower() not in ("asc", "desc")):
            raise GraphError(400, "BadRequest", f"Invalid $orderby clause '{' '.join(clause)}'.")
        path, descending = clause[0], len(clause) == 2 and clause[1].lower() == "desc"
        ordered.sort(key=lambda item, p=path: _sort_key(get_path(item, p)), reverse=descending)
    return ordered


def select_fields(item: Mapping[str, Any], select: str | None, keep: Iterable[str] = ()) -> dict[str, Any]:
    """Project an entity onto ``$select`` (``id``, annotations and ``keep`` always stay)."""
    if not select:
        return dict(item)
    wanted = {s.strip().split("/")[0] for s in select.split(",") if s.strip()} | {"id", *keep}
    return {k: v for k, v in item.items() if k in wanted or k.startswith("@")}


def _int_option(request: SandboxRequest, name: str) -> int | None:
    raw = option(request, name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise GraphError(400, "BadRequest", f"Invalid value '{raw}' for query option '${name}'.") from None
    if value < 0:
        raise GraphError(400, "BadRequest", f"Invalid value '{raw}' for query option '${name}'.")
    return value


def _raw_path(request: SandboxRequest) -> str:
    """The path as the client sent it, so an encoded id stays one segment in the links we build."""
    return request.raw_path or quote(request.path)


def odata_context(request: SandboxRequest, suffix: str = "") -> str:
    """An ``@odata.context`` URL for the request's resource path."""
    parts = request.path.lstrip("/").split("/", 1)
    version, rest = (parts[0], parts[1]) if len(parts) == 2 else ("v1.0", parts[0])
    return f"{request.base_url}/{version}/$metadata#{rest}{suffix}"


def select_item(request: SandboxRequest, item: Mapping[str, Any]) -> dict[str, Any]:
    """A single entity as a GET answers it: ``$select`` applied and ``@odata.context`` added."""
    expand = option(request, "expand") or ""
    keep = [e.strip().split("(")[0] for e in expand.split(",") if e.strip()]
    return {
        "@odata.context": odata_context(request, "/$entity"),
        **select_fields(item, option(request, "select"), keep),
    }


def list_page(
    request: SandboxRequest,
    items: list[dict[str, Any]],
    *,
    search_fields: tuple[str, ...],
    default_top: int = 10,
    max_top: int = 1000,
    search_aliases: Mapping[str, tuple[str, ...]] = DEFAULT_SEARCH_ALIASES,
) -> dict[str, Any]:
    """One page of ``items`` as Graph answers a collection GET.

    Applies $filter, $search, $orderby, $count, $skip, $top (or ``Prefer: odata.maxpagesize``) and
    $select, and adds an absolute ``@odata.nextLink`` that repeats the query with ``$skip`` advanced.
    ``$expand`` is left to the caller (expanded fields survive ``$select``).

    Raises:
        GraphError: 400 BadRequest for an unparsable $filter, $orderby or paging value.
    """
    selected = list(items)
    filter_text = option(request, "filter")
    if filter_text:
        predicate = compile_filter(filter_text)
        selected = [item for item in selected if predicate(item)]
    search_text = option(request, "search")
    if search_text:
        selected = [item for item in selected if matches_search(item, search_text, search_fields, search_aliases)]
    orderby = option(request, "orderby")
    if orderby:
        selected = sort_items(selected, orderby)
    total = len(selected)
    skip = _int_option(request, "skip") or 0
    top = _int_option(request, "top")
    if top is None:
        preferred = request.prefer("odata.maxpagesize")
        top = int(preferred) if preferred and preferred.isdigit() else default_top
    top = max(1, min(top, max_top))
    page = selected[skip : skip + top]
    expand = option(request, "expand") or ""
    keep = [e.strip().split("(")[0] for e in expand.split(",") if e.strip()]
    select = option(request, "select")
    result: dict[str, Any] = {"@odata.context": odata_context(request)}
    if (option(request, "count") or "").lower() == "true":
        result["@odata.count"] = total
    if skip + top < total:
        query = {k: v for k, v in request.query.items() if k not in ("$skip", "skip")}
        if "$top" not in query and "top" not in query:
            query["$top"] = str(top)
        query["$skip"] = str(skip + top)
        encoded = urlencode(query, quote_via=quote, safe="$',:/()@")
        result["@odata.nextLink"] = f"{request.base_url}{_raw_path(request)}?{encoded}"
    result["value"] = [select_fields(item, select, keep) for item in page]
    return result
