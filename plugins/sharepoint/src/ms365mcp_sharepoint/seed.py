"""The sandbox's SharePoint tenant: three sites, their libraries, lists, columns and items.

Marketing and Human Resources are team sites under ``/sites``; the root site is the intranet
home. Ids look like Graph's (site ids are ``host,collectionGuid,webGuid``, list and column ids
are GUIDs, item ids are small integers) and come from a seeded generator, so every start is the same.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from ms365mcp.sandbox.tenant import SandboxTenant, SandboxUser

HOST = "contoso.sharepoint.com"
#: A seeded drive id that needs percent-encoding ("/", "+", "="), to test encoding end to end.
ENCODED_DRIVE_ID = "b!mKt/Brand+Assets=Lib"
#: The Marketing site's id; the onenote plugin's sandbox seeds the site's team notebook under the same id,
#: so a site found here leads to its notebooks there.
MARKETING_SITE_ID = "contoso.sharepoint.com,1111aaaa-1111-4111-8111-111111111111,2222bbbb-2222-4222-8222-222222222222"
EPOCH = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)

TASK_STATES = ("Not started", "In progress", "Done")
PRIORITIES = ("High", "Normal", "Low")
DEPARTMENTS = ("Marketing", "HR", "Sales", "Finance", "Operations", "Engineering")


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def now() -> str:
    return stamp(datetime.now(UTC))


def identity(user: SandboxUser) -> dict[str, Any]:
    return {"user": {"id": user.id, "displayName": user.displayName, "email": user.mail}}


@attrs.define
class SpList:
    """One list or library: its metadata, columns by id and items by id."""

    meta: dict[str, Any]
    site_id: str
    columns: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    items: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    next_item: int = 1
    drive_id: str = ""

    def column_named(self, name: str) -> dict[str, Any] | None:
        return next((c for c in self.columns.values() if c["name"] == name), None)


@attrs.define
class Site:
    meta: dict[str, Any]
    drives: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    lists: dict[str, SpList] = attrs.field(factory=dict)


@attrs.define
class SharePoint:
    """Every site of the sandbox tenant, with an id generator and a change counter for delta."""

    rng: random.Random
    sites: dict[str, Site] = attrs.field(factory=dict)
    seq: int = 0

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def tick(self) -> int:
        self.seq += 1
        return self.seq


def column(sp: SharePoint, name: str, kind: str, **extra: Any) -> dict[str, Any]:
    """A columnDefinition shaped like Graph's, with ``kind`` as its type facet."""
    facet: dict[str, Any] = extra.pop("facet", {})
    if kind == "choice":
        facet = {"allowTextEntry": False, "displayAs": "dropDownMenu", **facet}
    if kind == "text":
        facet = {"allowMultipleLines": False, "maxLength": 255, **facet}
    return {
        "id": extra.pop("id", None) or sp.guid(),
        "name": name,
        "displayName": extra.pop("displayName", name),
        "description": extra.pop("description", ""),
        "columnGroup": extra.pop("columnGroup", "Custom Columns"),
        "enforceUniqueValues": False,
        "hidden": False,
        "indexed": extra.pop("indexed", False),
        "readOnly": extra.pop("readOnly", False),
        "required": extra.pop("required", False),
        kind: facet,
        **extra,
    }


# A well-known id SharePoint gives the Title column in every list.
TITLE_COLUMN_ID = "fa564e0f-0c70-4ab9-b863-0177e6ddd247"


def _base_columns(sp: SharePoint) -> list[dict[str, Any]]:
    return [
        column(sp, "Title", "text", id=TITLE_COLUMN_ID, required=True, indexed=True, columnGroup="Custom Columns"),
        column(sp, "Created", "dateTime", readOnly=True, indexed=True, columnGroup="_Hidden"),
        column(sp, "Modified", "dateTime", readOnly=True, indexed=True, columnGroup="_Hidden"),
    ]


def add_list(
    sp: SharePoint, site: Site, display: str, template: str, columns: list[dict[str, Any]], author: SandboxUser
) -> SpList:
    name = display.replace(" ", "")
    url = f"{site.meta['webUrl']}/Lists/{name}" if template != "documentLibrary" else f"{site.meta['webUrl']}/{name}"
    created = stamp(EPOCH - timedelta(days=sp.rng.randint(30, 400)))
    meta = {
        "id": sp.guid(),
        "name": name,
        "displayName": display,
        "description": "",
        "webUrl": url,
        "createdDateTime": created,
        "lastModifiedDateTime": created,
        "createdBy": identity(author),
        "eTag": f'"{sp.guid()},1"',
        "parentReference": {"siteId": site.meta["id"]},
        "list": {"contentTypesEnabled": False, "hidden": False, "template": template},
    }
    found = SpList(meta=meta, site_id=site.meta["id"])
    for col in _base_columns(sp) + columns:
        found.columns[col["id"]] = col
    site.lists[meta["id"]] = found
    return found


def add_item(sp: SharePoint, found: SpList, fields: dict[str, Any], author: SandboxUser, when: str) -> dict[str, Any]:
    """A listItem with its fieldValueSet; system columns are filled the way SharePoint fills them."""
    item_id = str(found.next_item)
    found.next_item += 1
    etag = f'"{sp.guid()},1"'
    item = {
        "@odata.etag": etag,
        "id": item_id,
        "eTag": etag,
        "createdDateTime": when,
        "lastModifiedDateTime": when,
        "webUrl": f"{found.meta['webUrl']}/DispForm.aspx?ID={item_id}",
        "createdBy": identity(author),
        "lastModifiedBy": identity(author),
        "parentReference": {"id": found.meta["id"], "siteId": found.site_id},
        "contentType": {"id": "0x0100" + found.meta["id"].replace("-", "").upper()[:32], "name": "Item"},
        "fields": {
            "@odata.etag": etag,
            "id": item_id,
            **fields,
            "Created": when,
            "Modified": when,
            "ContentType": "Item",
            "AuthorLookupId": str(7 + sp.rng.randint(0, 5)),
            "EditorLookupId": str(7 + sp.rng.randint(0, 5)),
        },
        "_seq": sp.tick(),
    }
    found.items[item_id] = item
    return item


def _site(sp: SharePoint, path: str, name: str, display: str, description: str, site_id: str = "") -> Site:
    web_url = f"https://{HOST}{path}".rstrip("/")
    collection, web = sp.guid(), sp.guid()
    created = stamp(EPOCH - timedelta(days=sp.rng.randint(400, 900)))
    meta = {
        "id": site_id or f"{HOST},{collection},{web}",
        "name": name,
        "displayName": display,
        "description": description,
        "webUrl": web_url,
        "createdDateTime": created,
        "lastModifiedDateTime": stamp(EPOCH),
        "siteCollection": {"hostname": HOST},
        "_path": path or "/",
        "_seq": sp.tick(),
    }
    if not path:
        meta["root"] = {}
    return Site(meta=meta)


def _drive(sp: SharePoint, site: Site, library: SpList, owner: str, drive_id: str | None = None) -> None:
    drive_id = drive_id or "b!" + "".join(
        sp.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789_-") for _ in range(62)
    )
    used = sp.rng.randint(20, 900) * 1024 * 1024
    total = 25 * 1024**4
    site.drives[drive_id] = {
        "id": drive_id,
        "name": library.meta["displayName"],
        "description": "",
        "driveType": "documentLibrary",
        "webUrl": library.meta["webUrl"],
        "createdDateTime": library.meta["createdDateTime"],
        "lastModifiedDateTime": stamp(EPOCH),
        "createdBy": {"user": {"displayName": "System Account"}},
        "owner": {"group": {"displayName": owner}},
        "quota": {"deleted": 0, "remaining": total - used, "state": "normal", "total": total, "used": used},
    }
    library.drive_id = drive_id


def seed(tenant: SandboxTenant) -> SharePoint:
    """The three sites and their content."""
    sp = SharePoint(rng=random.Random("ms365mcp-sharepoint"))
    users = tenant.users
    me, alex, megan, diego = users[0], users[1], users[2], users[3]
    root = _site(sp, "", "", "Contoso Intranet", "News, policies and links for everyone at Contoso.")
    marketing = _site(
        sp, "/sites/Marketing", "Marketing", "Marketing", "Campaigns, brand assets and launch plans.", MARKETING_SITE_ID
    )
    hr = _site(sp, "/sites/HR", "HR", "Human Resources", "Policies, onboarding and the employee directory.")
    for site in (root, marketing, hr):
        sp.sites[site.meta["id"]] = site

    for site, owner in ((root, "Contoso Intranet Owners"), (marketing, "Marketing Owners"), (hr, "HR Owners")):
        docs = add_list(sp, site, "Documents", "documentLibrary", [], me)
        docs.meta["name"] = "Shared Documents"
        docs.meta["webUrl"] = f"{site.meta['webUrl']}/Shared Documents"
        _drive(sp, site, docs, owner)
    brand = add_list(sp, marketing, "Brand Assets", "documentLibrary", [], megan)
    _drive(sp, marketing, brand, "Marketing Owners", ENCODED_DRIVE_ID)

    status = {"choices": list(TASK_STATES)}
    tasks = add_list(
        sp,
        marketing,
        "Campaign Tasks",
        "genericList",
        [
            column(sp, "Status", "choice", facet=status, indexed=True),
            column(sp, "Priority", "choice", facet={"choices": list(PRIORITIES)}),
            column(sp, "Owner", "text"),
            column(sp, "DueDate", "dateTime", displayName="Due date", facet={"format": "dateOnly"}),
            column(sp, "PercentComplete", "number", displayName="% complete", facet={"minimum": 0, "maximum": 100}),
        ],
        megan,
    )
    task_rows = (
        ("Draft spring launch brief", "Done", "High", megan, 100),
        ("Book venue for partner summit", "In progress", "High", alex, 60),
        ("Refresh product one-pagers", "In progress", "Normal", me, 40),
        ("Social calendar for April", "Not started", "Normal", alex, 0),
        ("Review agency invoices", "Not started", "Low", megan, 0),
        ("Customer story: Fabrikam", "In progress", "Normal", me, 25),
        ("Update brand colour guide", "Done", "Low", megan, 100),
        ("Newsletter for existing customers", "Not started", "High", alex, 0),
        ("Webinar follow-up e-mails", "Done", "Normal", me, 100),
        ("Trade show booth graphics", "In progress", "High", megan, 70),
        ("Competitor pricing review", "Not started", "Normal", me, 0),
        ("Press kit translation (DE, FR)", "In progress", "Low", alex, 50),
    )
    for i, (title, state, priority, owner_user, done) in enumerate(task_rows):
        when = stamp(EPOCH + timedelta(days=i * 3, hours=i))
        fields = {
            "Title": title,
            "Status": state,
            "Priority": priority,
            "Owner": owner_user.displayName,
            "DueDate": stamp(EPOCH + timedelta(days=14 + i * 5)),
            "PercentComplete": done,
        }
        add_item(sp, tasks, fields, owner_user, when)

    directory = add_list(
        sp,
        hr,
        "Employee Directory",
        "contacts",
        [
            column(sp, "FirstName", "text", displayName="First name"),
            column(sp, "Email", "text", displayName="E-mail", indexed=True),
            column(sp, "WorkPhone", "text", displayName="Business phone"),
            column(sp, "JobTitle", "text", displayName="Job title"),
            column(sp, "Department", "choice", facet={"choices": list(DEPARTMENTS)}),
            column(sp, "StartDate", "dateTime", displayName="Start date", facet={"format": "dateOnly"}),
            column(sp, "Remote", "boolean", displayName="Works remotely"),
        ],
        diego,
    )
    extra_people = (
        ("Lynne", "Robbins", "Finance Analyst", "Finance"),
        ("Pradeep", "Gupta", "Sales Lead", "Sales"),
        ("Isaiah", "Langer", "Operations Manager", "Operations"),
        ("Nestor", "Wilke", "Software Engineer", "Engineering"),
    )
    people = [(u.displayName.split()[0], u.displayName.split()[-1], u.jobTitle, u.department, u.mail) for u in users]
    people = [p for p in people if p[3] in DEPARTMENTS]
    people += [(f, s, j, d, f"{f.lower()}@contoso.sandbox") for f, s, j, d in extra_people]
    for i, (first, last, job, dept, mail) in enumerate(people):
        fields = {
            "Title": last,
            "FirstName": first,
            "Email": mail,
            "WorkPhone": f"+1 425 555 {100 + i * 7:04d}",
            "JobTitle": job,
            "Department": dept,
            "StartDate": stamp(EPOCH - timedelta(days=200 + 97 * i)),
            "Remote": i % 3 == 0,
        }
        add_item(sp, directory, fields, diego, stamp(EPOCH + timedelta(hours=i)))

    onboarding = add_list(
        sp,
        hr,
        "Onboarding Tasks",
        "genericList",
        [
            column(sp, "Employee", "text"),
            column(sp, "Status", "choice", facet=status),
            column(sp, "DueDate", "dateTime", displayName="Due date", facet={"format": "dateOnly"}),
        ],
        diego,
    )
    for i, (title, who, state) in enumerate(
        (
            ("Laptop and accounts", "Nestor Wilke", "Done"),
            ("Security training", "Nestor Wilke", "In progress"),
            ("Meet the team lunch", "Nestor Wilke", "Not started"),
            ("Benefits enrolment", "Lynne Robbins", "Not started"),
        )
    ):
        fields = {"Title": title, "Employee": who, "Status": state, "DueDate": stamp(EPOCH + timedelta(days=7 + i))}
        add_item(sp, onboarding, fields, diego, stamp(EPOCH + timedelta(days=i)))

    add_list(sp, root, "Company Links", "links", [column(sp, "URL", "hyperlinkOrPicture")], me)
    return sp
