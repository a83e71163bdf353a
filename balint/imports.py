"""What every file import reports: each problem with its file, line and field.

Imports are all-or-nothing: a parser collects every problem it finds and
raises ImportFailed, so the person can fix the whole file at once and nothing
from a bad file is saved.
"""

import functools
import logging
from dataclasses import dataclass


@dataclass(frozen=True)
class ImportProblem:
    filename: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = [self.filename]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, problems: list[ImportProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def fail(filename: str, message: str, *, line: int | None = None, field: str | None = None):
    """Refuse the whole file with one problem."""
    raise ImportFailed([ImportProblem(filename, line, field, message)])


def guarded(sentence: str):
    """The last resort around a parser: whatever a file holds, only ImportFailed comes out.

    Every failure a file can cause should already be a sentence naming its line and
    field; anything else is logged in full for us and told to the person as `sentence`
    (which may name `{error}`, the exception's type), never as library text.
    """

    def wrap(parse):
        log = logging.getLogger(parse.__module__)  # logged as the parser's own

        @functools.wraps(parse)
        def reader(*args, **kwargs):
            try:
                return parse(*args, **kwargs)
            except ImportFailed:
                raise
            except Exception as exc:
                filename = kwargs["filename"] if "filename" in kwargs else args[1]
                log.error("Unexpected error reading %r", filename, exc_info=True)
                fail(filename, sentence.format(error=type(exc).__name__))

        return reader

    return wrap
