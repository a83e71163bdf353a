"""Time zone names in calendar files, as IANA zones.

Outlook and Exchange name zones by Windows ID ("GMT Standard Time"), which
icalendar already maps. Outlook Web Access and some Exchange exports go further
and write the Windows *display name* as the TZID with no VTIMEZONE to define it:
"(GMT+10:00) Canberra, Melbourne, Sydney", "(UTC-05:00) Eastern Time (US and
Canada)", even just "(GMT +01:00)". Those are read here from their city list or
region, checked against the offset they state; failing that, the person's own
zone is the best guess. A name is never a reason to refuse a roster.
"""

import re
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

# Regions in Windows display names that name no city.
_REGIONS = {
    "eastern time": "America/New_York",
    "central time": "America/Chicago",
    "mountain time": "America/Denver",
    "pacific time": "America/Los_Angeles",
    "atlantic time": "America/Halifax",
    "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu",
    "arizona": "America/Phoenix",
    "newfoundland": "America/St_Johns",
    "saskatchewan": "America/Regina",
    "indiana (east)": "America/Indiana/Indianapolis",
    "greenwich mean time": "Europe/London",
    "coordinated universal time": "UTC",
    "mid-atlantic": "Atlantic/South_Georgia",
}
# Cities in Windows display names that are not themselves IANA zone names.
_CITIES = {
    "canberra": "Australia/Sydney",
    "edinburgh": "Europe/London",
    "bern": "Europe/Zurich",
    "new delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "chennai": "Asia/Kolkata",
    "wellington": "Pacific/Auckland",
    "beijing": "Asia/Shanghai",
    "osaka": "Asia/Tokyo",
    "sapporo": "Asia/Tokyo",
    "washington": "America/New_York",
    "quito": "America/Bogota",
    "abu dhabi": "Asia/Dubai",
    "muscat": "Asia/Muscat",
    "st. petersburg": "Europe/Moscow",
    "hanoi": "Asia/Bangkok",
    "hong kong": "Asia/Hong_Kong",
    "kuala lumpur": "Asia/Kuala_Lumpur",
}
_OFFSET = re.compile(
    r"^\(?\s*(?:GMT|UTC)\s*(?:(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?:[:.]?(?P<minutes>\d{2}))?)?\s*\)?"
    r"\s*(?P<rest>.*)$",
    re.IGNORECASE,
)


@cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def _by_city() -> dict[str, str]:
    cities = dict(_CITIES)
    for name in sorted(_known()):
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")):
            cities.setdefault(name.rsplit("/", 1)[-1].replace("_", " ").lower(), name)
    return cities


def _offsets(name: str) -> set[timedelta]:
    zone = ZoneInfo(name)
    year = datetime.now().year
    return {datetime(year, month, 15, 12, tzinfo=zone).utcoffset() for month in (1, 7)}


def known(tzid: str) -> bool:
    """Whether icalendar resolves this TZID by itself (an IANA name or a Windows ID)."""
    return tzid in _known() or tzid in WINDOWS_TO_OLSON


def resolve(tzid: str, fallback: ZoneInfo) -> str | None:
    """The IANA name for a TZID; None for an unknown name that looks like an IANA one."""
    tzid = tzid.strip().strip('"').strip()
    if known(tzid):
        return WINDOWS_TO_OLSON.get(tzid, tzid)
    match = _OFFSET.match(tzid)
    offset = None
    rest = tzid
    if match:
        rest = match["rest"]
        if match["hours"] is not None:
            sign = -1 if match["sign"] == "-" else 1
            minutes = int(match["hours"]) * 60 + int(match["minutes"] or 0)
            offset = timedelta(minutes=sign * minutes)
        else:
            offset = timedelta(0)
    elif "/" in tzid and " " not in tzid:
        return None  # looks like an IANA name, but is none: say so
    for candidate in _candidates(rest):
        if offset is None or offset in _offsets(candidate):
            return candidate
    own = getattr(fallback, "key", None) or "UTC"
    if offset is not None and offset not in _offsets(own):
        whole_hours, remainder = divmod(offset, timedelta(hours=1))
        if not remainder and -12 <= whole_hours <= 14:
            # Etc/GMT signs are the POSIX way round: Etc/GMT-1 is UTC+01:00.
            return "UTC" if whole_hours == 0 else f"Etc/GMT{-whole_hours:+d}"
    return own


def _candidates(text: str) -> list[str]:
    text = text.lower()
    parts = re.split(r"[,;:&/]|\band\b|\(|\)", text)
    cities = _by_city()
    found = [cities[part.strip()] for part in parts if part.strip() in cities]
    found += [zone for region, zone in _REGIONS.items() if region in text]
    return [zone for zone in found if _exists(zone)]


def _exists(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
