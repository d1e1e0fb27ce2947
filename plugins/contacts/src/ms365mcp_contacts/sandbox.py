"""The sandbox's Outlook contacts: a believable address book and the routes the contacts tools call.

Every user gets the default Contacts folder and a few subfolders; the signed-in user's book holds
about thirty people from customers, suppliers and family, seeded the same way on every start.
"""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime
from typing import Any

import attrs
from starlette.responses import JSONResponse

from ms365mcp.sandbox.bodies import json_object, refuse_unknown
from ms365mcp.sandbox.odata import list_page, select_item
from ms365mcp.sandbox.tenant import GraphError, SandboxRequest, SandboxTenant, SandboxUser

STORE_KEY = "contacts"
NOT_FOUND = "The specified object was not found in the store."
SEARCH_FIELDS = ("displayName", "givenName", "surname", "companyName", "emailAddresses/address")
CONTACT_FIELDS = frozenset(
    {
        "assistantName",
        "birthday",
        "businessAddress",
        "businessHomePage",
        "businessPhones",
        "categories",
        "children",
        "companyName",
        "department",
        "displayName",
        "emailAddresses",
        "fileAs",
        "generation",
        "givenName",
        "homeAddress",
        "homePhones",
        "imAddresses",
        "initials",
        "jobTitle",
        "manager",
        "middleName",
        "mobilePhone",
        "nickName",
        "officeLocation",
        "otherAddress",
        "personalNotes",
        "profession",
        "spouseName",
        "surname",
        "title",
        "yomiCompanyName",
        "yomiGivenName",
        "yomiSurname",
    }
)
LIST_FIELDS = frozenset({"businessPhones", "homePhones", "categories", "children", "imAddresses"})

#: A seeded contact whose id needs percent-encoding ("/", "+", "="), to test encoding end to end.
ENCODED_CONTACT_ID = "AAMkADcon/Lidia+Holloway=/AAA="

# given, surname, company, job title, e-mail domain, folder
PEOPLE = (
    ("Lidia", "Holloway", "Fabrikam", "Marketing Director", "fabrikam.example", "Fabrikam"),
    ("Bianca", "Pisani", "Fabrikam", "PR Manager", "fabrikam.example", "Fabrikam"),
    ("Raul", "Razo", "Fabrikam", "Account Executive", "fabrikam.example", "Fabrikam"),
    ("Pradeep", "Gupta", "Litware", "CIO", "litware.example", "Litware"),
    ("Lynne", "Robbins", "Litware", "Procurement Lead", "litware.example", "Litware"),
    ("Isaiah", "Langer", "Proseware", "Head of Operations", "proseware.example", "Customers"),
    ("Nestor", "Wilke", "Relecloud", "Director of IT", "relecloud.example", "Customers"),
    ("Joni", "Sherman", "Relecloud", "Paralegal", "relecloud.example", "Customers"),
    ("Grady", "Archie", "Woodgrove Bank", "Relationship Manager", "woodgrovebank.example", ""),
    ("Irvin", "Sayers", "Northwind Traders", "Sales Manager", "northwind.example", "Suppliers"),
    ("Johanna", "Lorenz", "Northwind Traders", "Logistics Coordinator", "northwind.example", "Suppliers"),
    ("Lee", "Gu", "Wide World Importers", "Buyer", "wideworldimporters.example", "Suppliers"),
    ("Miriam", "Graham", "Margie's Travel", "Travel Agent", "margiestravel.example", "Suppliers"),
    ("Patti", "Fernandez", "Tailspin Toys", "Creative Director", "tailspintoys.example", ""),
    ("Henrietta", "Mueller", "Adventure Works", "Event Planner", "adventure-works.example", ""),
    ("Christie", "Cline", "Alpine Ski House", "Owner", "alpineskihouse.example", ""),
    ("Enrico", "Cattaneo", "Coho Winery", "Sommelier", "cohowinery.example", ""),
    ("Allan", "Deyoung", "Contoso Pharmaceuticals", "Research Lead", "contosopharma.example", ""),
    ("Lena", "Kowalski", "Fourth Coffee", "Store Manager", "fourthcoffee.example", ""),
    ("Kenji", "Watanabe", "Trey Research", "Data Scientist", "treyresearch.example", ""),
    ("Amara", "Okafor", "Blue Yonder Airlines", "Partnerships", "blueyonderairlines.example", ""),
    ("Sofia", "Marquez", "Graphic Design Institute", "Lecturer", "graphicdesigninstitute.example", ""),
    ("Tomasz", "Nowak", "Lamna Healthcare", "Practice Manager", "lamnahealthcare.example", ""),
    ("Priya", "Raman", "Humongous Insurance", "Claims Adjuster", "humongousinsurance.example", ""),
    ("Oliver", "Brandt", "Datum Corporation", "CFO", "adatum.example", ""),
    ("Hannah", "Vance", "", "", "outlook.example", "Family"),
    ("Jonah", "Vance", "", "", "outlook.example", "Family"),
    ("Ruth", "Vance", "", "", "outlook.example", "Family"),
    ("Marco", "Bellini", "", "Neighbour", "outlook.example", ""),
    ("Dr. Eva", "Lindqvist", "Lakeside Dental", "Dentist", "lakesidedental.example", ""),
)
# folder, parent ("" = the default Contacts folder)
FOLDERS = (("Customers", ""), ("Fabrikam", "Customers"), ("Litware", "Customers"), ("Suppliers", ""), ("Family", ""))


def _stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


@attrs.define
class AddressBook:
    """One user's contact folders and contacts."""

    owner: SandboxUser
    rng: random.Random
    root_id: str = ""
    folders: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    contacts: dict[str, dict[str, Any]] = attrs.field(factory=dict)

    def new_id(self) -> str:
        return "AAMkADcon" + base64.urlsafe_b64encode(self.rng.randbytes(27)).decode()

    def add_folder(self, name: str, parent_id: str) -> dict[str, Any]:
        folder = {"id": self.new_id(), "displayName": name, "parentFolderId": parent_id}
        self.folders[folder["id"]] = folder
        return folder

    def folder(self, folder_id: str) -> dict[str, Any]:
        """Raises GraphError 404 for an unknown folder."""
        if folder_id.lower() == "contacts" or folder_id == self.root_id:
            return {"id": self.root_id, "displayName": "Contacts", "parentFolderId": ""}
        found = self.folders.get(folder_id)
        if found is None:
            raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
        return found

    def contact(self, contact_id: str) -> dict[str, Any]:
        found = self.contacts.get(contact_id)
        if found is None:
            raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
        return found

    def add_contact(self, fields: dict[str, Any], folder_id: str, contact_id: str | None = None) -> dict[str, Any]:
        now = _stamp()
        given, surname = fields.get("givenName") or "", fields.get("surname") or ""
        emails = fields.get("emailAddresses") or []
        display = (
            fields.get("displayName")
            or " ".join(p for p in (given, surname) if p)
            or fields.get("companyName")
            or (emails[0]["address"] if emails else "")
        )
        contact: dict[str, Any] = {
            "id": contact_id or self.new_id(),
            "createdDateTime": now,
            "lastModifiedDateTime": now,
            "changeKey": base64.b64encode(self.rng.randbytes(12)).decode(),
            "categories": [],
            "parentFolderId": folder_id,
            "birthday": None,
            "fileAs": "",
            "displayName": display,
            "givenName": given or None,
            "initials": None,
            "middleName": None,
            "nickName": None,
            "surname": surname or None,
            "title": None,
            "generation": None,
            "imAddresses": [],
            "jobTitle": None,
            "companyName": None,
            "department": None,
            "officeLocation": None,
            "profession": None,
            "businessHomePage": None,
            "assistantName": None,
            "manager": None,
            "homePhones": [],
            "mobilePhone": None,
            "businessPhones": [],
            "spouseName": None,
            "personalNotes": "",
            "children": [],
            "emailAddresses": [],
            "homeAddress": {},
            "businessAddress": {},
            "otherAddress": {},
        }
        contact.update({k: v for k, v in fields.items() if k not in ("givenName", "surname", "displayName")})
        contact["fileAs"] = ", ".join(p for p in (surname, given) if p) or display
        self.contacts[contact["id"]] = contact
        return contact


def _new_book(user: SandboxUser) -> AddressBook:
    rng = random.Random(f"ms365mcp-contacts:{user.id}")
    book = AddressBook(owner=user, rng=rng)
    book.root_id = book.new_id()
    return book


def seed(tenant: SandboxTenant) -> dict[str, AddressBook]:
    """An address book per user; the signed-in user's is full."""
    books = {u.id: _new_book(u) for u in tenant.users}
    book = books[tenant.me.id]
    by_name: dict[str, str] = {"": book.root_id}
    for name, parent in FOLDERS:
        by_name[name] = book.add_folder(name, by_name[parent])["id"]
    rng = book.rng
    for i, (given, surname, company, job, domain, folder) in enumerate(PEOPLE):
        local = f"{given.split()[-1]}.{surname}".lower()
        fields: dict[str, Any] = {
            "givenName": given,
            "surname": surname,
            "emailAddresses": [{"name": f"{given} {surname}", "address": f"{local}@{domain}"}],
            "mobilePhone": f"+1 206 555 {rng.randint(100, 999):04d}",
        }
        if company:
            fields.update(
                companyName=company,
                jobTitle=job or None,
                businessPhones=[f"+1 425 555 {rng.randint(100, 999):04d}"],
                businessAddress={
                    "city": rng.choice(["Seattle", "Redmond", "Portland", "Vancouver"]),
                    "countryOrRegion": "United States",
                },
            )
        elif job:
            fields["jobTitle"] = job
        if folder == "Family":
            fields.update(
                categories=["Family"],
                birthday=f"19{60 + i}-0{1 + i % 9}-1{i % 10}T00:00:00Z",
                homePhones=[f"+1 206 555 {rng.randint(100, 999):04d}"],
            )
        contact_id = ENCODED_CONTACT_ID if i == 0 else None
        book.add_contact(fields, by_name[folder], contact_id)
    return books


# --- routes ---------------------------------------------------------------------------------------


def _book(request: SandboxRequest) -> AddressBook:
    books: dict[str, AddressBook] = request.tenant.store[STORE_KEY]
    if request.user.id not in books:
        books[request.user.id] = _new_book(request.user)
    return books[request.user.id]


def _check_contact(body: dict[str, Any]) -> dict[str, Any]:
    refuse_unknown(body, CONTACT_FIELDS, "contact")
    for field in LIST_FIELDS & set(body):
        if not isinstance(body[field], list):
            raise GraphError(
                400,
                "RequestBodyRead",
                f"Cannot convert the literal '{body[field]}' to the expected type 'Collection(Edm.String)'.",
            )
    emails = body.get("emailAddresses", [])
    if not isinstance(emails, list) or not all(
        isinstance(e, dict) and "@" in str(e.get("address", "")) for e in emails
    ):
        raise GraphError(
            400,
            "RequestBodyRead",
            "Cannot convert the literal to the expected type 'Collection(microsoft.graph.emailAddress)'.",
        )
    return {k: v for k, v in body.items() if k != "@odata.type"}


def _created(request: SandboxRequest, payload: dict[str, Any]) -> JSONResponse:
    return JSONResponse(select_item(request, payload), status_code=201)


async def list_contacts(request: SandboxRequest) -> Any:
    book = _book(request)
    folder_id = book.folder(request.params.get("contactFolderId", book.root_id))["id"]
    items = sorted(
        (c for c in book.contacts.values() if c["parentFolderId"] == folder_id), key=lambda c: c["displayName"].lower()
    )
    return list_page(request, items, search_fields=SEARCH_FIELDS)


async def get_contact(request: SandboxRequest) -> Any:
    return select_item(request, _book(request).contact(request.params["contactId"]))


async def create_contact(request: SandboxRequest) -> Any:
    book = _book(request)
    folder_id = book.folder(request.params.get("contactFolderId", book.root_id))["id"]
    return _created(request, book.add_contact(_check_contact(json_object(request)), folder_id))


async def update_contact(request: SandboxRequest) -> Any:
    book = _book(request)
    contact = book.contact(request.params["contactId"])
    contact.update(_check_contact(json_object(request)), lastModifiedDateTime=_stamp())
    return select_item(request, contact)


async def delete_contact(request: SandboxRequest) -> Any:
    book = _book(request)
    book.contacts.pop(book.contact(request.params["contactId"])["id"])


def _folders_under(request: SandboxRequest, parent_id: str) -> dict[str, Any]:
    book = _book(request)
    items = [f for f in book.folders.values() if f["parentFolderId"] == parent_id]
    return list_page(request, items, search_fields=("displayName",))


async def list_folders(request: SandboxRequest) -> Any:
    return _folders_under(request, _book(request).root_id)


async def list_child_folders(request: SandboxRequest) -> Any:
    return _folders_under(request, _book(request).folder(request.params["contactFolderId"])["id"])


def _folder_name(book: AddressBook, body: dict[str, Any], parent_id: str, current: str | None = None) -> str:
    refuse_unknown(body, {"displayName", "parentFolderId"}, "contactFolder")
    name = body.get("displayName")
    if not isinstance(name, str) or not name.strip():
        raise GraphError(400, "ErrorInvalidRequest", "The folder name can't be empty.")
    for folder in book.folders.values():
        if (
            folder["parentFolderId"] == parent_id
            and folder["displayName"].lower() == name.strip().lower()
            and folder["id"] != current
        ):
            raise GraphError(409, "ErrorFolderExists", "A folder with the specified name already exists.")
    return name.strip()


async def create_folder(request: SandboxRequest) -> Any:
    book = _book(request)
    parent_id = book.folder(request.params.get("contactFolderId", book.root_id))["id"]
    name = _folder_name(book, json_object(request), parent_id)
    return _created(request, book.add_folder(name, parent_id))


async def update_folder(request: SandboxRequest) -> Any:
    book = _book(request)
    folder = book.folder(request.params["contactFolderId"])
    if folder["id"] == book.root_id:
        raise GraphError(400, "ErrorCannotRenameDistinguishedFolder", "The default Contacts folder can't be renamed.")
    folder["displayName"] = _folder_name(book, json_object(request), folder["parentFolderId"], folder["id"])
    return select_item(request, folder)


async def delete_folder(request: SandboxRequest) -> Any:
    book = _book(request)
    folder = book.folder(request.params["contactFolderId"])
    if folder["id"] == book.root_id:
        raise GraphError(400, "ErrorDeleteDistinguishedFolder", "The default Contacts folder can't be deleted.")
    doomed = {folder["id"]}
    grew = True
    while grew:  # the folder and everything below it
        children = {f["id"] for f in book.folders.values() if f["parentFolderId"] in doomed}
        grew = not children <= doomed
        doomed |= children
    for folder_id in doomed:
        book.folders.pop(folder_id, None)
    for contact_id in [c["id"] for c in book.contacts.values() if c["parentFolderId"] in doomed]:
        del book.contacts[contact_id]


def setup(tenant: SandboxTenant) -> None:
    """Seed the address books and serve the contacts routes."""
    tenant.store[STORE_KEY] = seed(tenant)
    route = tenant.route
    route("GET", "/me/contacts")(list_contacts)
    route("POST", "/me/contacts")(create_contact)
    route("GET", "/me/contacts/{contactId}")(get_contact)
    route("PATCH", "/me/contacts/{contactId}")(update_contact)
    route("DELETE", "/me/contacts/{contactId}")(delete_contact)
    route("GET", "/me/contactFolders")(list_folders)
    route("POST", "/me/contactFolders")(create_folder)
    route("PATCH", "/me/contactFolders/{contactFolderId}")(update_folder)
    route("DELETE", "/me/contactFolders/{contactFolderId}")(delete_folder)
    route("GET", "/me/contactFolders/{contactFolderId}/childFolders")(list_child_folders)
    route("POST", "/me/contactFolders/{contactFolderId}/childFolders")(create_folder)
    route("GET", "/me/contactFolders/{contactFolderId}/contacts")(list_contacts)
    route("POST", "/me/contactFolders/{contactFolderId}/contacts")(create_contact)
    route("GET", "/me/contactFolders/{contactFolderId}/contacts/{contactId}")(get_contact)
