"""The sandbox's generic OData list engine: filters, search, ordering, paging and projection."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from ms365mcp.sandbox.odata import (
    compile_filter,
    get_path,
    list_page,
    matches_search,
    select_item,
    sort_items,
)
from ms365mcp.sandbox.tenant import SANDBOX_GRAPH_URL, GraphError, SandboxRequest, SandboxTenant


def _request(
    query: dict[str, str] | None = None,
    *,
    path: str = "/v1.0/me/messages",
    raw_path: str = "",
    headers: dict[str, str] | None = None,
) -> SandboxRequest:
    tenant = SandboxTenant()
    return SandboxRequest(
        tenant=tenant,
        user=tenant.me,
        method="GET",
        path=path,
        params={},
        query=query or {},
        headers=headers or {},
        body=b"",
        base_url=SANDBOX_GRAPH_URL,
        raw_path=raw_path,
    )


def _mail(n: int, **extra: Any) -> dict[str, Any]:
    item = {
        "id": f"m{n:02d}",
        "subject": f"Report {n}",
        "isRead": n % 2 == 0,
        "importance": "high" if n % 5 == 0 else "normal",
        "size": n * 10,
        "receivedDateTime": f"2025-05-{n:02d}T09:00:00Z",
        "from": {"emailAddress": {"name": f"Sender {n % 3}", "address": f"s{n % 3}@contoso.sandbox"}},
        "toRecipients": [
            {"emailAddress": {"address": "adele@contoso.sandbox"}},
            {"emailAddress": {"address": f"team{n % 2}@contoso.sandbox"}},
        ],
        "categories": ["Finance"] if n % 4 == 0 else [],
    }
    item.update(extra)
    return item


ITEMS = [_mail(n) for n in range(1, 26)]


def _ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["value"]]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("isRead eq true", 12),
        ("isRead eq false and importance eq 'high'", 3),
        ("importance eq 'HIGH'", 5),  # Exchange compares strings without case
        ("size gt 200", 5),
        ("size ge 200 and size le 210", 2),
        ("receivedDateTime ge 2025-05-20T00:00:00Z", 6),
        ("receivedDateTime lt '2025-05-03'", 2),
        ("from/emailAddress/address eq 's1@contoso.sandbox'", 9),
        ("not (isRead eq true) or size lt 15", 13),
        ("contains(subject, 'report 1')", 11),
        ("startswith(subject,'Report 2')", 7),
        ("endswith(from/emailAddress/name, '0')", 8),
        ("toRecipients/any(r: r/emailAddress/address eq 'team1@contoso.sandbox')", 13),
        ("categories/any(c: c eq 'Finance')", 6),
        ("importance ne 'normal' and (size lt 100 or size gt 240)", 2),
        ("tolower(subject) eq 'report 3'", 1),
        ("subject eq 'it''s'", 0),
        ("flag eq null", 25),
    ],
)
def test_filter_expressions_select_the_expected_items(expression: str, expected: int) -> None:
    predicate = compile_filter(expression)
    assert sum(1 for item in ITEMS if predicate(item)) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "isRead eq",
        "subject eq 'open",
        "frobnicate(subject, 'x')",
        "(isRead eq true",
        "size gt 1 extra",
        "isRead eq true and",
    ],
)
def test_unparsable_filters_answer_bad_request(expression: str) -> None:
    with pytest.raises(GraphError) as caught:
        compile_filter(expression)
    assert caught.value.status == 400
    assert caught.value.code == "BadRequest"
    assert caught.value.message.startswith("Invalid filter clause")


def test_filter_error_reaches_list_page() -> None:
    with pytest.raises(GraphError) as caught:
        list_page(_request({"$filter": "subject eq"}), ITEMS, search_fields=("subject",))
    assert caught.value.status == 400


def test_get_path_walks_dicts_and_collects_through_lists() -> None:
    item = ITEMS[0]
    assert get_path(item, "from/emailAddress/name") == "Sender 1"
    assert get_path(item, "toRecipients/emailAddress/address") == ["adele@contoso.sandbox", "team1@contoso.sandbox"]
    assert get_path(item, "missing/deeper") is None
    assert get_path(item, "subject/length") is None


def test_search_is_case_insensitive_and_understands_kql_prefixes() -> None:
    fields = ("subject",)
    assert matches_search(ITEMS[0], '"REPORT 1"', fields)
    assert matches_search(ITEMS[0], "from:s1@contoso", fields)
    assert not matches_search(ITEMS[0], "from:s2@contoso", fields)
    assert matches_search(ITEMS[0], 'subject:"report 1" from:sender', fields)
    assert not matches_search(ITEMS[0], "report nothing-here", fields)
    assert matches_search(ITEMS[0], '"subject:\\"Report 1\\""', fields)


def test_search_through_list_page_strips_quotes() -> None:
    page = list_page(_request({"$search": '"report 2"', "$top": "50"}), ITEMS, search_fields=("subject",))
    assert _ids(page) == ["m02", "m12", *[f"m{n}" for n in range(20, 26)]]


def test_orderby_supports_several_keys_and_directions() -> None:
    ordered = sort_items(ITEMS, "importance desc, receivedDateTime desc")
    assert [i["id"] for i in ordered[:3]] == ["m24", "m23", "m22"]  # "normal" > "high", newest first within
    assert [i["id"] for i in ordered[-2:]] == ["m10", "m05"]
    assert [i["id"] for i in sort_items(ITEMS, "size")[:2]] == ["m01", "m02"]


def test_orderby_puts_nulls_first_when_ascending() -> None:
    items = [{"id": "a", "due": "2025-01-02"}, {"id": "b"}, {"id": "c", "due": "2025-01-01"}]
    assert [i["id"] for i in sort_items(items, "due asc")] == ["b", "c", "a"]
    assert [i["id"] for i in sort_items(items, "due desc")] == ["a", "c", "b"]


def test_bad_orderby_is_a_bad_request() -> None:
    with pytest.raises(GraphError) as caught:
        sort_items(ITEMS, "subject sideways")
    assert caught.value.status == 400


def test_default_page_is_ten_with_an_absolute_next_link_that_keeps_the_query() -> None:
    request = _request({"$filter": "size gt 0", "$select": "subject"}, raw_path="/v1.0/me/mailFolders/a%2Fb/messages")
    page = list_page(request, ITEMS, search_fields=())
    assert len(page["value"]) == 10
    link = urlsplit(page["@odata.nextLink"])
    assert f"{link.scheme}://{link.netloc}" == SANDBOX_GRAPH_URL
    assert link.path == "/v1.0/me/mailFolders/a%2Fb/messages"  # the id stays one encoded segment
    query = parse_qs(link.query)
    assert query == {"$filter": ["size gt 0"], "$select": ["subject"], "$top": ["10"], "$skip": ["10"]}
    assert page["@odata.context"] == f"{SANDBOX_GRAPH_URL}/v1.0/$metadata#me/messages"


def test_following_next_links_visits_every_item_once() -> None:
    seen: list[str] = []
    query = {"$top": "7", "$orderby": "size desc"}
    while True:
        page = list_page(_request(query), ITEMS, search_fields=())
        seen += _ids(page)
        if "@odata.nextLink" not in page:
            break
        query = {k: v[0] for k, v in parse_qs(urlsplit(page["@odata.nextLink"]).query).items()}
    assert seen == [f"m{n:02d}" for n in range(25, 0, -1)]


def test_top_is_capped_and_skip_past_the_end_is_empty() -> None:
    page = list_page(_request({"$top": "5000"}), ITEMS, search_fields=(), max_top=20)
    assert len(page["value"]) == 20
    assert "@odata.nextLink" in page
    assert list_page(_request({"$skip": "100"}), ITEMS, search_fields=())["value"] == []


def test_prefer_maxpagesize_sets_the_page_size() -> None:
    page = list_page(_request(headers={"prefer": "odata.maxpagesize=3"}), ITEMS, search_fields=())
    assert len(page["value"]) == 3


@pytest.mark.parametrize("query", [{"$top": "ten"}, {"$skip": "-1"}])
def test_bad_paging_values_are_bad_requests(query: dict[str, str]) -> None:
    with pytest.raises(GraphError) as caught:
        list_page(_request(query), ITEMS, search_fields=())
    assert caught.value.status == 400


def test_select_keeps_id_and_expanded_fields_and_count_counts_all_matches() -> None:
    query = {"$select": "subject,from", "$expand": "attachments", "$count": "true", "$filter": "isRead eq true"}
    items = [dict(i, attachments=[]) for i in ITEMS]
    page = list_page(_request(query), items, search_fields=())
    assert page["@odata.count"] == 12
    assert set(page["value"][0]) == {"id", "subject", "from", "attachments"}


def test_options_without_dollar_are_understood() -> None:
    page = list_page(_request({"top": "2", "select": "subject"}), ITEMS, search_fields=())
    assert len(page["value"]) == 2
    assert set(page["value"][0]) == {"id", "subject"}


def test_select_item_projects_one_entity() -> None:
    entity = select_item(_request({"$select": "subject"}, path="/v1.0/me/messages/m01"), ITEMS[0])
    assert entity == {
        "@odata.context": f"{SANDBOX_GRAPH_URL}/v1.0/$metadata#me/messages/m01/$entity",
        "id": "m01",
        "subject": "Report 1",
    }
