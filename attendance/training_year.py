"""The training year: what assessments are counted over (Requirement.training_year_starts)."""

from datetime import date, timedelta


def training_year(day: date, starts_month: int) -> tuple[date, date]:
    """The first and last day of the training year that holds `day`."""
    year = day.year if day.month >= starts_month else day.year - 1
    first = date(year, starts_month, 1)
    return first, date(year + 1, starts_month, 1) - timedelta(days=1)
