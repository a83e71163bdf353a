"""Instructions per certificate in bulk rendering, counted by callgrind: load does not change it.

    .venv/bin/python bench/certificate_instructions.py [--small 10] [--large 50] [--plain]

Needs valgrind. Seeds a throw-away SQLite database as bench/certificates.py does (the full
design: the scheme's mark and the leader's signature; `--plain` leaves both out) and issues
the certificates, then runs itself twice under callgrind. Each run renders one warm batch
first (imports, fonts and caches are paid there, uncounted: callgrind counts only from
when the run switches it on), then `--small` or `--large` certificates as an export chunk
does (attendance.pdf.render_certificates: one document, split into one-page PDFs). The
difference of the two counts divided by the difference of the sizes is the cost of one
more certificate, with what a batch costs once (its style sheet, fonts and queries)
cancelled; the large batch's count divided by its size includes it. Takes two minutes.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from certificates import ROOT, seed, setup_django  # bench/certificates.py, next to this file

WARM = 5  # certificates in the warm batch, rendered before counting starts to matter


def tool(name: str) -> str:
    if path := shutil.which(name):
        return path
    raise SystemExit(f"{name} not found: install valgrind.")


def counting(on: bool) -> None:
    """Switch callgrind's counting in this process on or off; it answers once done."""
    switch = [tool("callgrind_control"), f"--instr={'on' if on else 'off'}", str(os.getpid())]
    subprocess.run(switch, check=True, capture_output=True)  # noqa: S603 - valgrind's own tool


def render(count: int) -> None:
    """Inside callgrind: a warm batch, then `count` certificates in bulk, counted."""
    import django

    django.setup()
    from attendance import pdf
    from attendance.models import Certificate

    certificates = list(Certificate.objects.select_related("scheme").order_by("pk"))
    list(pdf.render_certificates(certificates[:WARM]))
    batch = certificates[WARM : WARM + count]
    assert len(batch) == count, "fewer certificates than asked for were seeded"
    counting(True)
    list(pdf.render_certificates(batch))
    counting(False)


def instructions(count: int, var_dir: str) -> int:
    """The instructions callgrind counts in a run rendering `count` certificates."""
    out = Path(var_dir) / f"callgrind.{count}"
    subprocess.run(  # noqa: S603 - valgrind on our own interpreter and script
        [
            tool("valgrind"),
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            f"--render={count}",
        ],
        check=True,
        cwd=ROOT,
        # The same hashes in every run: set and dict orders do not vary the count.
        env={**os.environ, "BALINT_VAR_DIR": var_dir, "PYTHONHASHSEED": "0"},
        stderr=subprocess.DEVNULL,
    )
    return int(re.search(rb"^totals: (\d+)", out.read_bytes(), re.M).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=50)
    parser.add_argument("--plain", action="store_true", help="no mark, no leader's signature")
    parser.add_argument("--render", type=int, help=argparse.SUPPRESS)  # the run under callgrind
    args = parser.parse_args()
    if args.render is not None:
        return render(args.render)

    with tempfile.TemporaryDirectory(prefix="balint-instructions-") as var_dir:
        setup_django(var_dir)
        from attendance import services

        scheme, organiser = seed(WARM + args.large, designed=not args.plain)
        services.certificates_issue_eligible(actor=organiser, scheme=scheme)
        small, large = instructions(args.small, var_dir), instructions(args.large, var_dir)
    per_certificate = (large - small) / (args.large - args.small)
    print(f"{args.small} certificates: {small / 1e6:,.0f} M instructions")
    print(f"{args.large} certificates: {large / 1e6:,.0f} M instructions")
    print(f"per certificate: {per_certificate / 1e6:.1f} M instructions")
    print(f"per certificate in a batch of {args.large}: {large / args.large / 1e6:.1f} M")
    print(f"design: {'plain' if args.plain else 'mark and leader signature'}")


if __name__ == "__main__":
    main()
