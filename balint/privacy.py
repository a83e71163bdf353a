"""Personal data, one part per app: what each holds about a person, its export and erasure.

Every app that keeps something about a person has a `<app>/privacy.py` whose
`part` is a `PersonalDataPart`:

- `name`: the part's file stem in the personal-data ZIP (`<name>.json`);
- `covers`: every (model, field name) link to the user model it accounts for;
- `held`: plain-language lines for the privacy notice;
- `export(person)`: that person's data only, as file stem -> rows (JSON-able dicts);
- `erase_many(people, when=...)`: the app's share of erasing people, many at once (the
  retention run) or one (`erase(person, when=...)`, a batch of one);
- `expire(now=...)`: optional, deletes what is past its retention, returns counts.

The registry finds the parts by importing `<app>.privacy` for every installed
app (tests/balint/test_privacy_registry.py fails when a link to a person is covered
by no part). Parts run in the order of INSTALLED_APPS for export, and in the
reverse order for erasure: an app erases before the apps it depends on, so
the person's old name is still there for it to find (groups, which blanks the
name, goes last).
"""

import functools
import importlib
import importlib.util
import io
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from defusedcsv import csv
from django.apps import apps
from django.conf import settings
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone

# Stands in for a mention of an erased person inside someone else's free text.
ERASED_MENTION = "[erased]"
# Shorter than this, a "name" would match inside too many words to be replaced safely.
MIN_MENTION_LENGTH = 4


class PersonalDataPart:
    """One app's share of a person's data. Subclass it in `<app>/privacy.py` as `part`."""

    name: str = ""
    covers: frozenset[tuple[type[models.Model], str]] = frozenset()
    held: tuple[str, ...] = ()

    def export(self, person) -> dict[str, list[dict]]:
        raise NotImplementedError

    def erase(self, person, *, when: datetime) -> None:
        """One person's erasure: a batch of one."""
        self.erase_many([person], when=when)

    def erase_many(self, people: Sequence, *, when: datetime) -> None:
        """The app's share of erasing `people` (never empty), with the same result as
        erasing each in turn, scanning shared tables once for all of them."""
        raise NotImplementedError

    def expire(self, *, now: datetime) -> dict[str, int]:
        """Delete what is past its retention period; a count per kind removed."""
        return {}

    def __repr__(self) -> str:
        return f"<PersonalDataPart {self.name}>"


@functools.cache
def parts() -> tuple[PersonalDataPart, ...]:
    """Every installed app's part, in the order of INSTALLED_APPS."""
    found = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.privacy"
        if module_name == __name__ or importlib.util.find_spec(module_name) is None:
            continue
        part = getattr(importlib.import_module(module_name), "part", None)
        if part is None:
            raise ImportError(f"{module_name} must define `part`, a PersonalDataPart.")
        if not isinstance(part, PersonalDataPart) or not part.name:
            raise TypeError(f"{module_name}.part must be a named PersonalDataPart.")
        found.append(part)
    names = [p.name for p in found]
    if len(set(names)) != len(names):
        raise ValueError(f"Two personal-data parts share a name: {names}.")
    return tuple(found)


def links_to_people() -> set[tuple[type[models.Model], str]]:
    """Every ForeignKey and OneToOneField to the user model, in every installed model."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    links = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if (
                field.concrete
                and isinstance(field, models.ForeignKey)  # OneToOneField included
                and field.remote_field.model is user_model
            ):
                links.add((model, field.name))
    return links


def covered_links() -> set[tuple[type[models.Model], str]]:
    return set().union(*(part.covers for part in parts()))


# --- Helpers for parts ------------------------------------------------------------------


def value(item):
    """A JSON-able value: dates and times as ISO 8601 text."""
    if isinstance(item, datetime | date):
        return item.isoformat()
    return item


def row(**values) -> dict:
    return {key: value(item) for key, item in values.items()}


def mentions(person) -> list[str]:
    """What identifies the person in free text: name, email address, registration number."""
    words = [person.full_name, person.email, person.registration_number]
    return [w.strip() for w in words if w and len(w.strip()) >= MIN_MENTION_LENGTH]


def mentions_of(people: Iterable) -> list[str]:
    """The mentions of several people, each once (case aside), longest first."""
    unique = {}
    for person in people:
        for word in mentions(person):
            unique.setdefault(word.casefold(), word)
    return sorted(unique.values(), key=lambda w: (-len(w), w))


# Words per regular expression in the database's pre-filter: a margin, as PostgreSQL
# refuses a regular expression that compiles too big ("regular expression is too
# complex"); 1,200 names and addresses in one still compiled when tried.
_WORDS_PER_REGEX = 50


def mentioning(queryset, field: str, words: Iterable[str]):
    """The rows whose `field` holds any of the words anywhere, case aside: a superset of
    the whole-word mentions, found in one query (a regex on PostgreSQL and SQLite alike)."""
    words = list(words)
    if not words:
        return queryset.none()
    # re.escape escapes only punctuation and spaces, which PostgreSQL reads as literals.
    escaped = [re.escape(w) for w in words]
    condition = models.Q()
    for start in range(0, len(escaped), _WORDS_PER_REGEX):
        chunk = "|".join(escaped[start : start + _WORDS_PER_REGEX])
        condition |= models.Q(**{f"{field}__iregex": chunk})
    # Empty text first: most rows of a big table hold none, and skipping them spares
    # PostgreSQL a run of a large regular expression on every row.
    return queryset.exclude(**{field: ""}).filter(condition)


def mention_pattern(words: Iterable[str]) -> re.Pattern | None:
    """Whole-word, case-insensitive mentions of any of the words, the longest first."""
    words = sorted(set(words), key=lambda w: (-len(w), w))
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def scrub_mentions(queryset, field: str, words: Iterable[str]) -> int:
    """Replace whole-word mentions of `words` in one text field. Returns the rows changed.

    One query finds the rows that may mention any of the words (so the words of a
    whole batch of people cost one pass), one pass of a regular expression replaces
    them all, and the changed rows are written with bulk_update.
    """
    words = list(words)
    pattern = mention_pattern(words)
    if pattern is None:
        return 0
    model = queryset.model
    changed = []
    for pk, text in mentioning(queryset, field, words).values_list("pk", field):
        replaced = pattern.sub(ERASED_MENTION, text)
        if replaced != text:
            changed.append(model(pk=pk, **{field: replaced}))
    if changed:
        model._base_manager.bulk_update(changed, [field], batch_size=500)
    return len(changed)


# --- The person's own copy ---------------------------------------------------------------


def personal_data(person) -> dict[str, dict[str, list[dict]]]:
    """Part name -> that part's export."""
    return {part.name: part.export(person) for part in parts()}


def _csv(rows: list[dict]) -> str:
    headers = list(dict.fromkeys(key for item in rows for key in item))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for item in rows:
        writer.writerow(["" if item.get(h) is None else item.get(h) for h in headers])
    return buffer.getvalue()


def personal_data_zip(person) -> bytes:
    """A ZIP of README.txt, one JSON per part, and one CSV per non-empty list of rows."""
    data = personal_data(person)
    stamp = timezone.localtime().timetuple()[:6]
    readme = render_to_string(
        "groups/my_data_readme.txt",
        {
            "person": person,
            "parts": parts(),
            "made_at": timezone.now(),
            "site_url": settings.SITE_URL,
        },
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("README.txt", date_time=stamp), readme)
        for name, stems in data.items():
            archive.writestr(
                zipfile.ZipInfo(f"{name}.json", date_time=stamp),
                json.dumps(stems, indent=2, ensure_ascii=False),
            )
            for stem, rows in stems.items():
                if rows:
                    archive.writestr(
                        zipfile.ZipInfo(f"{name}/{stem}.csv", date_time=stamp),
                        "\ufeff" + _csv(rows),  # the BOM makes Excel read UTF-8
                    )
    return buffer.getvalue()
