"""The shared friendly-input rules: e-mail forms, recipient lists and the request body object."""

from __future__ import annotations

from typing import Any

import pytest

from ms365mcp.errors import ToolInputError
from ms365mcp.inputs import address_list, addresses, body_of, email_address, recipient, recipients


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ana@x.example", {"address": "ana@x.example"}),
        ("  Ana Lee <ana@x.example> ", {"address": "ana@x.example", "name": "Ana Lee"}),
        ({"address": "ana@x.example", "name": "Ana", "extra": 1}, {"address": "ana@x.example", "name": "Ana"}),
        ({"emailAddress": {"address": "ana@x.example"}}, {"address": "ana@x.example"}),
    ],
)
def test_email_address_accepts_every_friendly_form(value: Any, expected: dict[str, str]) -> None:
    assert email_address(value, "body.to") == expected
    assert recipient(value, "body.to") == {"emailAddress": expected}


@pytest.mark.parametrize(
    "value",
    ["not-an-address", "", 42, None, ["a@b.example"], {"address": 7}, {"emailAddress": "a@b.example"}, {"name": "x"}],
)
def test_email_address_refuses_anything_else_naming_the_field(value: Any) -> None:
    with pytest.raises(ToolInputError) as info:
        email_address(value, "body.toRecipients[2]")
    assert info.value.field == "body.toRecipients[2]"
    assert str(info.value).startswith("body.toRecipients[2]: ")
    assert "is not an e-mail address" in str(info.value)


def test_a_huge_value_is_quoted_only_in_part() -> None:
    with pytest.raises(ToolInputError) as info:
        email_address("x" * 10_000, "to")
    assert len(str(info.value)) < 300


def test_address_list_splits_strings_on_commas_and_semicolons() -> None:
    assert address_list("a@x.example, b@x.example;; c@x.example ;", "to") == [
        "a@x.example",
        "b@x.example",
        "c@x.example",
    ]
    given = [{"address": "a@x.example"}, "b@x.example"]
    assert address_list(given, "to") is given
    assert address_list("", "to") == []
    with pytest.raises(ToolInputError) as info:
        address_list({"address": "a@x.example"}, "body.schedules")
    assert info.value.field == "body.schedules"


def test_recipients_and_addresses_name_the_bad_entry() -> None:
    assert recipients("Ana <ana@x.example>; bo@x.example", "body.ccRecipients") == [
        {"emailAddress": {"address": "ana@x.example", "name": "Ana"}},
        {"emailAddress": {"address": "bo@x.example"}},
    ]
    assert addresses(["Ana <ana@x.example>", {"emailAddress": {"address": "bo@x.example"}}], "s") == [
        "ana@x.example",
        "bo@x.example",
    ]
    for convert in (recipients, addresses):
        with pytest.raises(ToolInputError) as info:
            convert(["ok@x.example", "nobody"], "body.toRecipients")
        assert info.value.field == "body.toRecipients[1]"


def test_body_of_creates_a_missing_body_unless_required() -> None:
    args: dict[str, Any] = {"messageId": "m"}
    body = body_of(args)
    body["x"] = 1
    assert args == {"messageId": "m", "body": {"x": 1}}
    same: dict[str, Any] = {"body": {"a": 1}}
    assert body_of(same, required=True) is same["body"]
    empty: dict[str, Any] = {}
    with pytest.raises(ToolInputError) as info:
        body_of(empty, required=True)
    assert info.value.field == "body"
    assert empty == {}


@pytest.mark.parametrize("value", ["text", ["a"], 3])
def test_body_of_refuses_a_body_that_is_not_an_object(value: Any) -> None:
    for required in (False, True):
        with pytest.raises(ToolInputError) as info:
            body_of({"body": value}, required=required)
        assert str(info.value) == "body: expected an object"
