"""Fetching a roster feed over HTTP(S), carefully: the URL comes from a user.

- http and https only (webcal:// is https); no user name or password in the URL;
- an address that is not a web address is refused with a sentence, never an error;
  an international host name is written in IDNA (xn--) and a non-ASCII path or query
  percent-encoded as UTF-8, as a browser does;
- every host is resolved here and each of its addresses checked: a private,
  loopback, link-local or otherwise non-public address is refused, and the
  connection goes to the address that was checked (no second lookup that
  could answer differently);
- redirects are followed by hand, at most MAX_REDIRECTS, each hop checked the same way;
- connect and read time-outs, an overall deadline, and a size cap enforced
  while streaming (the body is never read past the cap).

settings.ROSTER_FEED_ALLOWED_NETWORKS lists networks exempt from the address
check (empty in production; tests serve feeds from 127.0.0.1).
"""

import http.client
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from django.conf import settings

from balint.imports import ImportFailed, fail

MAX_REDIRECTS = 3
CHUNK = 64 * 1024
USER_AGENT = "Balint roster fetcher"
REDIRECTS = {301, 302, 303, 307, 308}

Resolver = Callable[[str, int], list[str]]

NOT_A_WEB_ADDRESS = "That address is not a valid web address."
SHOWN_CHARS = 200
# A host name as DNS has it, once in IDNA: letters, digits, hyphens, underscores and dots.
_HOST = re.compile(r"[A-Za-z0-9_.-]+")
# What is percent-encoded in a path or query: anything but printable ASCII.
_UNSAFE = re.compile(r"[^\x21-\x7e]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def display_url(url: str) -> str:
    """The address as shown in messages: without a query string, which often holds a secret."""
    shown = url.strip().split("?", 1)[0].split("#", 1)[0]
    shown = _CONTROL.sub("\ufffd", shown)  # nothing a page, a log or a database would choke on
    if len(shown) > SHOWN_CHARS:
        shown = shown[:SHOWN_CHARS] + "…"
    return shown


def normalise_url(url: str) -> str:
    """The address to fetch, or ImportFailed saying it is not a web address.

    webcal:// becomes https://; an international host name is written in IDNA and
    anything but printable ASCII in the path or query is percent-encoded (UTF-8).
    """
    shown = display_url(url)
    url = url.strip()
    lowered = url.lower()
    for prefix in ("webcal://", "webcals://"):
        if lowered.startswith(prefix):
            url = "https://" + url[len(prefix) :]
            break
    try:
        parts = urlsplit(url)  # ValueError for e.g. http://[::1/
    except ValueError:
        fail(shown, NOT_A_WEB_ADDRESS)
    netloc = _ascii_netloc(parts.netloc, shown)
    try:
        path, query, fragment = (
            _UNSAFE.sub(_percent, part) for part in (parts.path, parts.query, parts.fragment)
        )
    except UnicodeError:  # a lone surrogate has no UTF-8
        fail(shown, NOT_A_WEB_ADDRESS)
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def _percent(match: re.Match) -> str:
    return quote(match.group(), safe="", errors="strict")


def _ascii_netloc(netloc: str, shown: str) -> str:
    """[user@]host[:port] with the host in IDNA; the rest must be printable ASCII already."""
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):
        host, port = hostport, ""
        if "]" in hostport:
            end = hostport.index("]") + 1
            host, port = hostport[:end], hostport[end:]
    else:
        host, colon, port = hostport.partition(":")
        port = colon + port
        if host and not host.isascii():
            try:
                host = host.encode("idna").decode("ascii")
            except UnicodeError:
                fail(shown, f"{NOT_A_WEB_ADDRESS[:-1]}: its host name cannot be written in DNS.")
        if host and not _HOST.fullmatch(host):
            fail(shown, NOT_A_WEB_ADDRESS)
    if not port.isascii() or _UNSAFE.search(port):
        fail(shown, NOT_A_WEB_ADDRESS)
    try:
        userinfo = _UNSAFE.sub(_percent, userinfo)
    except UnicodeError:
        fail(shown, NOT_A_WEB_ADDRESS)
    return f"{userinfo}{at}{host}{port}"


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _networks(allowed) -> list:
    return [ipaddress.ip_network(n, strict=False) for n in allowed]


def is_public(address: str, allowed_networks=()) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if any(ip in network for network in _networks(allowed_networks)):
        return True
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return ip.is_global and not ip.is_multicast


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address already checked, not to a fresh lookup of the host name."""

    def __init__(self, host, port, *, address, connect_timeout, read_timeout):
        super().__init__(host, port, timeout=connect_timeout)
        self._address, self._read_timeout = address, read_timeout

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.settimeout(self._read_timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, connect_timeout, read_timeout):
        super().__init__(host, port, timeout=connect_timeout, context=ssl.create_default_context())
        self._address, self._read_timeout = address, read_timeout

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        sock.settimeout(self._read_timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(
    url: str,
    *,
    max_bytes: int | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
    total_timeout: float | None = None,
    allowed_networks=None,
    resolver: Resolver = resolve,
) -> bytes:
    """The body of the feed at `url`, or ImportFailed naming what went wrong."""
    max_bytes = max_bytes or settings.ROSTER_FEED_MAX_BYTES
    connect_timeout = connect_timeout or settings.ROSTER_FEED_CONNECT_TIMEOUT
    read_timeout = read_timeout or settings.ROSTER_FEED_READ_TIMEOUT
    total_timeout = total_timeout or settings.ROSTER_FEED_TOTAL_TIMEOUT
    if allowed_networks is None:
        allowed_networks = settings.ROSTER_FEED_ALLOWED_NETWORKS
    shown = display_url(url)
    deadline = time.monotonic() + total_timeout
    current = normalise_url(url)  # ImportFailed if it is not a web address
    for _hop in range(MAX_REDIRECTS + 1):
        if time.monotonic() > deadline:
            fail(shown, "The feed took too long to answer.")
        connection, target = _open(
            current,
            shown=shown,
            allowed_networks=allowed_networks,
            resolver=resolver,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        try:
            try:
                connection.request(
                    "GET",
                    target,
                    headers={
                        "User-Agent": USER_AGENT,
                        "Accept": "text/calendar, text/csv;q=0.9, */*;q=0.5",
                        "Accept-Encoding": "identity",
                    },
                )
                response = connection.getresponse()
            except TimeoutError:
                fail(shown, f"The feed did not answer within {read_timeout:g} seconds.")
            except ssl.SSLError as exc:
                fail(shown, f"The secure connection failed: {exc.reason or exc}.")
            except http.client.InvalidURL:
                fail(shown, NOT_A_WEB_ADDRESS)
            except (OSError, http.client.HTTPException) as exc:
                fail(shown, f"The feed could not be reached: {_reason(exc)}.")
            except ValueError:  # e.g. a character http.client cannot send
                fail(shown, NOT_A_WEB_ADDRESS)
            if response.status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    fail(shown, f"The feed answered {response.status} without saying where to go.")
                try:
                    current = normalise_url(urljoin(current, location.strip()))
                except (ValueError, ImportFailed):
                    fail(shown, "The feed redirected to an address that is not a web address.")
                continue
            if response.status != 200:
                fail(shown, f"The feed answered HTTP {response.status} {response.reason}.")
            return _read_capped(response, shown, max_bytes, deadline, read_timeout)
        finally:
            connection.close()
    fail(shown, f"The feed redirected more than {MAX_REDIRECTS} times.")


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or exc.__class__.__name__


def _open(url, *, shown, allowed_networks, resolver, connect_timeout, read_timeout):
    """A connection to the checked address of `url`'s host, and the request target."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        fail(shown, "Only http:// and https:// (or webcal://) addresses can be subscribed to.")
    if parts.username or parts.password:
        fail(shown, "Addresses with a user name or password are not supported.")
    host = parts.hostname
    if not host:
        fail(shown, "The address has no host name.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        fail(shown, "The address has an invalid port.")
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError):
        fail(shown, f"The host {host} could not be found.")
    if not addresses:
        fail(shown, f"The host {host} could not be found.")
    for address in addresses:
        if not is_public(address, allowed_networks):
            fail(
                shown,
                f"{host} is a private or local network address ({address}); "
                "only feeds on the public internet can be subscribed to.",
            )
    kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = kind(
        host,
        port,
        address=addresses[0],
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return connection, target


def _read_capped(response, shown: str, max_bytes: int, deadline: float, read_timeout) -> bytes:
    megabytes = f"{max_bytes / 1_000_000:g} MB"
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        fail(shown, f"The feed is larger than {megabytes}.")
    chunks, total = [], 0
    try:
        while True:
            chunk = response.read1(CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                fail(shown, f"The feed is larger than {megabytes}.")
            if time.monotonic() > deadline:
                fail(shown, "The feed took too long to download.")
            chunks.append(chunk)
    except TimeoutError:
        fail(shown, f"The feed stopped answering for more than {read_timeout:g} seconds.")
    except (OSError, http.client.HTTPException) as exc:
        fail(shown, f"The download broke off: {_reason(exc)}.")
    return b"".join(chunks)
