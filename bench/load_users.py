"""bench/load.py's virtual users: a browser each, their visits, and the pacing of the run.

A virtual user signs in as the next person of its own set, browses its role's pages with
think time between requests, saves registers (leaders) and signs out or leaves; every answer
is timed into one shared Stats.
"""

import http.client
import itertools
import os
import random
import resource
import threading
import time
from collections import Counter, defaultdict
from html.parser import HTMLParser
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode

import pages  # bench/pages.py; bench/ is on sys.path (see bench/load.py)
from load_setup import deal, role_counts

EMPTY = "empty page"


def pages_of(role: str) -> list[tuple[str, str]]:
    """(label, path template) a person of `role` browses; everyone sees the empty page."""
    chosen = [(label, path) for r, label, path in pages.PAGES if r == role]
    empty = next((label, path) for _, label, path in pages.PAGES if label == EMPTY)
    return chosen if empty in chosen else [empty, *chosen]


# --- One browser --------------------------------------------------------------------------


class Stats:
    """What every virtual user saw, under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.roles: dict[str, set] = defaultdict(set)
        self.errors: Counter = Counter()
        self.events: Counter = Counter()
        self.oversleep: list[float] = []

    def timing(self, label: str, role: str, seconds: float) -> None:
        with self.lock:
            self.timings[label].append(seconds)
            self.roles[label].add(role)

    def error(self, label: str, kind: str) -> None:
        with self.lock:
            self.errors[(label, kind)] += 1

    def event(self, name: str) -> None:
        with self.lock:
            self.events[name] += 1


class Inputs(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.fields: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.fields.append(dict(attrs))


def csrf_token(text: str) -> str | None:
    fields = Inputs(text).fields
    return next((f["value"] for f in fields if f.get("name") == "csrfmiddlewaretoken"), None)


class Browser:
    """Cookies kept by hand: the session cookie is Secure (DEBUG=0) and we speak plain HTTP
    to gunicorn, as the TLS proxy in front of it would."""

    def __init__(self, port: int, role: str, stats: Stats, address: str | None):
        self.port, self.role, self.stats = port, role, stats
        self.headers = {"X-Forwarded-For": address} if address else {}
        self.cookies: dict[str, str] = {}
        self.token: str | None = None  # the CSRF token of the last page with a form

    def send(self, label: str, path: str, form: dict | None = None, expect: int = 200):
        """The answer's (Location, text), or None after counting an error."""
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        started = time.perf_counter()
        try:
            connection.request("GET" if form is None else "POST", path, body, headers)
            response = connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.stats.error(label, type(exc).__name__)
            return None
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        self.keep(response.msg.get_all("Set-Cookie") or [])
        text = content.decode(errors="replace")
        if response.status != expect:
            kind = str(response.status)
            if "Too many" in text:
                kind += " too many"
            elif response.status == 302:
                kind += f" to {response.getheader('Location', '')}"
            self.stats.error(label, kind)
            return None
        self.stats.timing(label, self.role, elapsed)
        if response.getheader("Content-Type", "").startswith("text/html"):
            self.token = csrf_token(text) or self.token
        return response.getheader("Location", ""), text

    def keep(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            try:
                jar = SimpleCookie(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value.strip('"'):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


# --- Pacing -------------------------------------------------------------------------------


class Clock:
    def __init__(self, seconds: float, stats: Stats):
        self.ends = time.monotonic() + seconds
        self.stats = stats

    def running(self) -> bool:
        return time.monotonic() < self.ends

    def sleep(self, seconds: float) -> bool:
        """Sleep, but not past the end; False once the run is over. Records how late the
        thread woke: a busy client process would show here first."""
        seconds = min(seconds, self.ends - time.monotonic())
        if seconds <= 0:
            return False
        started = time.monotonic()
        time.sleep(seconds)
        late = time.monotonic() - started - seconds
        with self.stats.lock:
            self.stats.oversleep.append(late)
        return self.running()


class Pacer:
    """One event per `interval` seconds in the whole run, whoever does it."""

    def __init__(self, interval: float, first: float):
        self.interval = interval
        self.next = time.monotonic() + first
        self.lock = threading.Lock()

    def turn(self) -> float:
        """Book the next turn; seconds to wait for it."""
        with self.lock:
            now = time.monotonic()
            slot = max(now, self.next)
            self.next = slot + self.interval
            return slot - now

    def take(self) -> bool:
        """The turn, if it is due now."""
        with self.lock:
            now = time.monotonic()
            if now < self.next:
                return False
            self.next = max(self.next + self.interval, now)
            return True


# --- One virtual user ---------------------------------------------------------------------


class VirtualUser:
    def __init__(self, number: int, role: str, people: list[dict], run: "Run"):
        self.role, self.people, self.run = role, people, run
        self.random = random.Random(number)
        self.pages = pages_of(role)
        distinct = run.args.distinct_addresses
        self.address = f"10.{number // 250}.{number % 250}.1" if distinct else None
        self.last_step: dict[str, int] = {}  # person -> TOTP step of their last sign-in
        self.turns = itertools.cycle(people)

    def think(self) -> bool:
        return self.run.clock.sleep(self.run.args.think * self.random.uniform(0.5, 1.5))

    def main(self) -> None:
        run = self.run
        while run.clock.running():
            if not run.clock.sleep(run.sign_ins.turn()) and not run.clock.running():
                return
            person = self.next_person()
            if person is None:
                return
            browser = Browser(run.port, self.role, run.stats, self.address)
            if not self.sign_in(browser, person):
                continue
            run.stats.event("visits")
            visit = run.visit_seconds * self.random.uniform(0.5, 1.5)
            ends = time.monotonic() + visit
            while time.monotonic() < ends and self.think():
                if self.role == "leader" and run.registers.take():
                    self.save_register(browser, person)
                else:
                    label, path = self.random.choice(self.pages)
                    browser.send(label, path.format(**person["ids"]))
            if not run.clock.running():
                return
            run.stats.event("visits ended")
            if self.random.random() < run.args.sign_out_share:
                self.sign_out(browser)

    def next_person(self) -> dict | None:
        """The next person of this user's set; for organisers one whose second factor has
        not been used in this 30 s step (allauth takes a code once), else wait for it.
        None once the run is over."""
        if self.role != "organiser":
            return next(self.turns)
        while self.run.clock.running():
            for _ in self.people:
                person = next(self.turns)
                if self.last_step.get(person["email"], -1) < totp_step():
                    return person
            self.run.clock.sleep(30 - time.time() % 30 + 0.05)
        return None

    def sign_in(self, browser: Browser, person: dict) -> bool:
        from balint.management.commands.seed_scale import PASSWORD

        if browser.send("sign-in form", "/accounts/login/") is None:
            return False
        form = {"csrfmiddlewaretoken": browser.token, "login": person["email"]}
        answer = browser.send(
            "sign-in post", "/accounts/login/", form | {"password": PASSWORD}, 302
        )
        if answer is None:
            return False
        location = answer[0]
        if "/2fa/" in location:
            if browser.send("second factor form", location) is None:
                return False
            if time.time() % 30 > 29:  # a code made at the end of its step may arrive late
                time.sleep(30 - time.time() % 30 + 0.05)
            step = totp_step()
            self.last_step[person["email"]] = step
            code = {"csrfmiddlewaretoken": browser.token, "code": totp_code(person, step)}
            answer = browser.send("second factor post", location, code, 302)
            if answer is None:
                return False
            location = answer[0]
            self.run.stats.event("sign-ins with a second factor")
        self.run.stats.event("sign-ins")
        label = "trainee home" if self.role == "trainee" else f"{self.role} home"
        return browser.send(label, location or "/") is not None

    def sign_out(self, browser: Browser) -> None:
        form = {"csrfmiddlewaretoken": browser.token}
        if browser.send("sign-out", "/accounts/logout/", form, 302) is not None:
            self.run.stats.event("sign-outs")

    def save_register(self, browser: Browser, person: dict) -> None:
        """What a leader's browser sends: every line as the page shows it, one changed,
        and the reason the page asks for when a register is corrected after its day."""
        session = self.random.choice(person["registers"])
        answer = browser.send("register", f"/sessions/{session}/register/")
        if answer is None:
            return
        form = {"csrfmiddlewaretoken": browser.token, "reason": "Marked wrongly on the day."}
        lines = []
        for field in Inputs(answer[1]).fields:
            name = field.get("name", "")
            if name.startswith("was_"):
                form[name] = field.get("value") or ""
            elif name.startswith("status_"):
                lines.append(name)
                if "checked" in field:
                    form[name] = field["value"]
        if not lines:
            self.run.stats.error("register post", "no register form")
            return
        for name in lines:
            form.setdefault(name, "present")
        changed = self.random.choice(sorted(set(lines)))
        form[changed] = "late" if form[changed] == "present" else "present"
        saved = browser.send("register post", f"/sessions/{session}/register/", form, 302)
        if saved is not None:
            self.run.stats.event("registers saved")
            browser.send("register after saving", saved[0])


def totp_step() -> int:
    return int(time.time()) // 30


def totp_code(person: dict, step: int) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(person["secret"], step))


# --- The run --------------------------------------------------------------------------------


class Run:
    def __init__(self, args, port: int, people: dict):
        self.args, self.port = args, port
        self.stats = Stats()
        self.counts = role_counts(args.users)
        self.users = [
            VirtualUser(n, role, mine, self)
            for n, (role, mine) in enumerate(deal(people, self.counts, seed=args.seed))
        ]
        self.visit_seconds = args.users * args.sign_in_every

    def go(self) -> dict:
        self.clock = Clock(self.args.duration, self.stats)
        self.sign_ins = Pacer(self.args.sign_in_every, first=0)
        self.registers = Pacer(self.args.register_every, first=self.args.register_every)
        threads = [threading.Thread(target=user.main, daemon=True) for user in self.users]
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        load = os.getloadavg()[0]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self.args.duration + 120)
        wall = time.monotonic() - started
        used = resource.getrusage(resource.RUSAGE_SELF)
        busy = used.ru_utime - cpu.ru_utime + used.ru_stime - cpu.ru_stime
        return {
            "wall": wall,
            "client cpu": busy,
            "load": (load, os.getloadavg()[0]),
            "stuck": sum(t.is_alive() for t in threads),
        }
