"""Where a person's feed address goes: a `webcal://` link that opens their calendar app,
and the pages of Google Calendar and Outlook on the web that subscribe to an address.

Neither Google nor Microsoft documents these pages; they are the ones subscription
buttons use today (checked in 2026):
- Google: https://calendar.google.com/calendar/r?cid=<the webcal:// address, encoded>
- Outlook.com: https://outlook.live.com/calendar/0/addfromweb?url=<the https address>&name=
- Outlook for work or school (Microsoft 365): the same on outlook.office.com
"""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

# What calendar apps call the subscribed calendar (the feed's X-WR-CALNAME too).
FEED_NAME = "Balint"

GOOGLE = "https://calendar.google.com/calendar/r"
OUTLOOK_COM = "https://outlook.live.com/calendar/0/addfromweb"
OUTLOOK_365 = "https://outlook.office.com/calendar/0/addfromweb"


@dataclass(frozen=True)
class SubscribeLinks:
    address: str  # the feed as served, https:// in production
    webcal: str
    google: str
    outlook_com: str
    outlook_365: str


def subscribe_links(address: str, *, name: str = FEED_NAME) -> SubscribeLinks:
    """Every way to subscribe to the feed at `address` (an absolute http(s) URL)."""
    webcal = "webcal://" + address.split("://", 1)[1]
    outlook = urlencode({"url": address, "name": name}, quote_via=quote)
    return SubscribeLinks(
        address=address,
        webcal=webcal,
        google=f"{GOOGLE}?{urlencode({'cid': webcal}, quote_via=quote)}",
        outlook_com=f"{OUTLOOK_COM}?{outlook}",
        outlook_365=f"{OUTLOOK_365}?{outlook}",
    )
