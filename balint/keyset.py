"""Keyset pagination: a page costs the same at row 5,000 as at row 1.

An OFFSET makes the database read and drop every row before the page. A keyset page
starts after the last row shown (``?after=<pk>``) or before the first (``?before=<pk>``),
so with an index on (sort key, pk) the database reads one page of rows and stops.

The cursor is a primary key, never the sort value itself: sort values here are people's
names, and addresses end up in logs. (django-cursor-pagination puts the values in its
cursors, which is why it is not used.)
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet


@dataclass
class KeysetPage:
    items: list
    next_after: int | None = None  # the pk to start the next page after
    previous_before: int | None = None  # the pk to end the previous page before

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_other_pages(self) -> bool:
        return self.next_after is not None or self.previous_before is not None


def _pk(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def keyset_page(
    rows: QuerySet, *, key: str, size: int, after: str | None = None, before: str | None = None
) -> KeysetPage:
    """One page of `rows` in (key, pk) order, after or before the row with that pk.

    A cursor that is not a row of `rows` (forged, or the row has gone) gives the first page.
    """
    after_pk, before_pk = _pk(after), _pk(before)
    cursor = after_pk or before_pk
    anchor = rows.filter(pk=cursor).values_list(key, flat=True).first() if cursor else None
    if anchor is not None and not after_pk:
        earlier = Q(**{f"{key}__lt": anchor}) | Q(**{key: anchor, "pk__lt": cursor})
        items = list(rows.filter(earlier).order_by(f"-{key}", "-pk")[: size + 1])
        more = len(items) > size
        items = items[:size][::-1]
        return KeysetPage(
            items,
            next_after=items[-1].pk if items else None,
            previous_before=items[0].pk if more else None,
        )
    if anchor is not None:
        rows = rows.filter(Q(**{f"{key}__gt": anchor}) | Q(**{key: anchor, "pk__gt": cursor}))
    items = list(rows.order_by(key, "pk")[: size + 1])
    more = len(items) > size
    items = items[:size]
    return KeysetPage(
        items,
        next_after=items[-1].pk if more else None,
        previous_before=items[0].pk if anchor is not None and items else None,
    )
