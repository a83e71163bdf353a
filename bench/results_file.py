"""bench/results.md: each bench script writes its own "## " section, replaced in place.

The file is the title and a short intro, then the sections: the realistic load first (the
headline), the others in the order they were first written.
"""

from pathlib import Path

TITLE = "# Benchmark results"
INTRO = (
    "The realistic-load figures are the headline: many people signed in at once, as in "
    "production.\nThe single-client figures show only the cost of one page with no "
    "contention; the other sections measure one concern each.\n"
)


def split_sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The head (before the first "## " heading) and (heading, whole section) pairs."""
    head, sections = "", []
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            sections.append((line.rstrip(), line))
        elif sections:
            heading, body = sections[-1]
            sections[-1] = (heading, body + line)
        else:
            head += line
    return head, sections


def write_section(path: Path, heading: str, text: str, first: bool = False) -> None:
    """Write `text`, which starts with `heading`, over that section of `path`, in place; a
    new section goes last, or first after the head when `first`. The other sections are
    kept; a new file starts with the title and the intro."""
    head, sections = split_sections(path.read_text() if path.exists() else "")
    if not head.strip() or head.strip() == TITLE:
        head = f"{TITLE}\n\n{INTRO}"
    ours = (heading, text)
    at = next((n for n, (name, _) in enumerate(sections) if name == heading), None)
    if at is not None:
        sections[at] = ours
    elif first:
        sections.insert(0, ours)
    else:
        sections.append(ours)
    parts = [head] + [body for _, body in sections]
    path.write_text("\n\n".join(part.strip("\n") for part in parts) + "\n")
