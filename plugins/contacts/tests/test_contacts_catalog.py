"""Every contacts row of the endpoint table has a matching ToolSpec; friendly inputs are normalised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ms365mcp_contacts.tools import TOOLS

from ms365mcp.catalog.registry import collect
from ms365mcp.errors import ToolInputError
from ms365mcp.testing import assert_spec_matches_row, read_endpoint_rows

#: The contacts rows of the shared endpoint table (reference/graph-endpoints.tsv), kept next to the tests.
TSV = Path(__file__).with_name("contacts-endpoints.tsv")
SPECS = {spec.name: spec for spec in TOOLS}
ROWS = read_endpoint_rows(TSV)


def test_every_contacts_row_has_a_spec() -> None:
    assert len(ROWS) == 13
    assert {r["tool"] for r in ROWS} == set(SPECS)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["tool"])
def test_spec_matches_its_row(row: dict[str, str]) -> None:
    spec = SPECS[row["tool"]]
    assert_spec_matches_row(spec, row)
    assert spec.org_only is False


def test_plugin_registers_tools_and_presets(contacts_pm: Any) -> None:
    catalog = collect(contacts_pm)
    assert set(SPECS) <= set(catalog.tools)
    assert all(catalog.tools[name].plugin == "contacts" for name in SPECS)
    assert {"contacts", "outlook", "personal", "work", "all"} <= set(catalog.presets)


def _prepare(name: str, args: dict[str, Any]) -> dict[str, Any]:
    prepare = SPECS[name].prepare
    assert prepare is not None
    prepare(args)
    return args


def test_contact_fields_become_graph_shapes() -> None:
    body = _prepare(
        "create-outlook-contact",
        {
            "body": {
                "givenName": "Ana",
                "emailAddresses": "ana@x.example; Ana Work <ana@work.example>",
                "businessPhones": "+1 425 555 0100",
                "birthday": "1990-04-01",
            }
        },
    )["body"]
    assert body["emailAddresses"] == [{"address": "ana@x.example"}, {"address": "ana@work.example", "name": "Ana Work"}]
    assert body["businessPhones"] == ["+1 425 555 0100"]
    assert body["birthday"] == "1990-04-01T00:00:00Z"


@pytest.mark.parametrize(
    ("name", "args", "field"),
    [
        ("create-outlook-contact", {"body": {"jobTitle": "CEO"}}, "body.givenName"),
        (
            "create-outlook-contact",
            {"body": {"givenName": "A", "emailAddresses": ["not-an-address"]}},
            "body.emailAddresses[0]",
        ),
        (
            "update-outlook-contact",
            {"contactId": "c", "body": {"emailAddresses": ["a@b.c"] * 4}},
            "body.emailAddresses",
        ),
        ("create-contact-folder", {"body": {"displayName": "  "}}, "body.displayName"),
    ],
)
def test_bad_contact_input_names_the_field(name: str, args: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolInputError) as info:
        _prepare(name, args)
    assert info.value.field == field


def test_docs_list_every_tool_with_its_permission() -> None:
    root = Path(__file__).resolve().parents[3]
    for doc in (root / "docs/plugins/contacts.md", root / "plugins/contacts/README.md"):
        lines = {line.split("|")[1].strip(): line for line in doc.read_text().splitlines() if line.startswith("| `")}
        for spec in TOOLS:
            assert " + ".join(spec.scopes[0]) in lines[f"`{spec.name}`"], (doc.name, spec.name)
