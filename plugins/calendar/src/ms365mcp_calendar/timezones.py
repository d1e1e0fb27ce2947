"""Time zones and date-times as calendar tools accept them: IANA or Windows names, friendly strings.

Graph takes both IANA (``Europe/Berlin``) and Windows (``W. Europe Standard Time``) names in
``Prefer: outlook.timezone`` and in ``dateTimeTimeZone`` objects. We check the name before the
call so a typo comes back as an input error naming the field instead of a vague Graph 400, and we
need a real ``ZoneInfo`` for both kinds to compare start and end and to run the sandbox.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import UTC, datetime, tzinfo

from ms365mcp.errors import ToolInputError

#: The Windows zone names people meet in Outlook, with the IANA zone of the same rules (CLDR's choice).
WINDOWS_ZONES: dict[str, str] = {
    "UTC": "Etc/UTC",
    "Dateline Standard Time": "Etc/GMT+12",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Alaskan Standard Time": "America/Anchorage",
    "Pacific Standard Time": "America/Los_Angeles",
    "US Mountain Standard Time": "America/Phoenix",
    "Mountain Standard Time": "America/Denver",
    "Central Standard Time": "America/Chicago",
    "Central Standard Time (Mexico)": "America/Mexico_City",
    "Canada Central Standard Time": "America/Regina",
    "Eastern Standard Time": "America/New_York",
    "SA Pacific Standard Time": "America/Bogota",
    "Atlantic Standard Time": "America/Halifax",
    "Newfoundland Standard Time": "America/St_Johns",
    "Pacific SA Standard Time": "America/Santiago",
    "E. South America Standard Time": "America/Sao_Paulo",
    "Argentina Standard Time": "America/Argentina/Buenos_Aires",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "GMT Standard Time": "Europe/London",
    "Morocco Standard Time": "Africa/Casablanca",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "W. Central Africa Standard Time": "Africa/Lagos",
    "GTB Standard Time": "Europe/Bucharest",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kyiv",
    "Israel Standard Time": "Asia/Jerusalem",
    "Egypt Standard Time": "Africa/Cairo",
    "South Africa Standard Time": "Africa/Johannesburg",
    "Turkey Standard Time": "Europe/Istanbul",
    "Russian Standard Time": "Europe/Moscow",
    "Arab Standard Time": "Asia/Riyadh",
    "E. Africa Standard Time": "Africa/Nairobi",
    "Iran Standard Time": "Asia/Tehran",
    "Arabian Standard Time": "Asia/Dubai",
    "Pakistan Standard Time": "Asia/Karachi",
    "India Standard Time": "Asia/Kolkata",
    "Nepal Standard Time": "Asia/Kathmandu",
    "Bangladesh Standard Time": "Asia/Dhaka",
    "SE Asia Standard Time": "Asia/Bangkok",
    "China Standard Time": "Asia/Shanghai",
    "Singapore Standard Time": "Asia/Singapore",
    "Taipei Standard Time": "Asia/Taipei",
    "W. Australia Standard Time": "Australia/Perth",
    "Tokyo Standard Time": "Asia/Tokyo",
    "Korea Standard Time": "Asia/Seoul",
    "Cen. Australia Standard Time": "Australia/Adelaide",
    "E. Australia Standard Time": "Australia/Brisbane",
    "AUS Eastern Standard Time": "Australia/Sydney",
    "New Zealand Standard Time": "Pacific/Auckland",
}
_WINDOWS_BY_LOWER = {name.lower(): name for name in WINDOWS_ZONES}

UNKNOWN_ZONE = "unknown time zone {!r}; use an IANA name (Europe/Berlin) or a Windows name (W. Europe Standard Time)"


@functools.cache
def _iana_by_lower() -> dict[str, str]:
    # available_timezones() walks the tz database once; the answer never changes while we run.
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def canonical_zone(name: str) -> str | None:
    """The zone name spelled as Graph expects it, or None when it is neither IANA nor Windows."""
    key = name.strip().lower()
    if not key:
        return None
    if key in _WINDOWS_BY_LOWER:
        return _WINDOWS_BY_LOWER[key]
    return _iana_by_lower().get(key)


def zone_info(name: str) -> tzinfo:
    """A tzinfo for an IANA or Windows name.

    Raises:
        KeyError: the name is not a known zone.
    """
    canonical = canonical_zone(name)
    if canonical is None:
        raise KeyError(name)
    if canonical.upper() == "UTC":
        return UTC
    return zoneinfo.ZoneInfo(WINDOWS_ZONES.get(canonical, canonical))


def check_zone(value: object, field: str) -> str:
    """The canonical spelling of a zone a client gave, or an input error naming ``field``."""
    if not isinstance(value, str) or canonical_zone(value) is None:
        raise ToolInputError(field, UNKNOWN_ZONE.format(value))
    return canonical_zone(value)  # type: ignore[return-value]


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_local(value: object, field: str) -> datetime:
    """An ISO 8601 date or date-time string; naive unless it carries an offset (or ``Z``).

    Raises:
        ToolInputError: not a date-time, naming ``field``.
    """
    if not isinstance(value, str) or not value.strip():
        raise ToolInputError(field, 'expected a date-time such as "2026-11-26T10:00"')
    text = value.strip()
    if _DATE_ONLY.match(text):
        text += "T00:00:00"
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ToolInputError(field, f'{value!r} is not a date-time such as "2026-11-26T10:00"') from None


def local_text(moment: datetime) -> str:
    """Graph's ``dateTime`` text: wall-clock time to the second, no offset."""
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")


def as_aware(moment: datetime, zone: tzinfo) -> datetime:
    """A naive wall-clock time placed in ``zone``; aware values are kept as they are."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
