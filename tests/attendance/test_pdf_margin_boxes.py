"""attendance/pdf.py skips WeasyPrint's margin boxes on a page none of which has content
(a certificate), and lays them out where one has (a statement's footer)."""

import pytest

from tests.factories.certificates import require_weasyprint


@pytest.fixture
def margin_box_calls(monkeypatch) -> list:
    """Each call of WeasyPrint's own margin-box builder, recorded. Put in its place before
    attendance.pdf wraps it (the wrapper wraps whatever it finds unwrapped)."""
    require_weasyprint()
    from weasyprint import layout

    calls = []
    builder = layout.make_margin_boxes
    while hasattr(builder, "__wrapped__"):  # a wrapper from an earlier render
        builder = builder.__wrapped__

    def recorded(context, page, state):
        calls.append(page.page_type)
        return builder(context, page, state)

    monkeypatch.setattr(layout, "make_margin_boxes", recorded)
    return calls


def test_a_certificate_page_builds_no_margin_boxes(margin_box_calls):
    from attendance import pdf

    assert pdf.warm_up().startswith(b"%PDF")
    assert margin_box_calls == []


def test_a_page_with_a_footer_in_a_margin_box_still_builds_them(margin_box_calls):
    from attendance import pdf

    pdf._pdf(
        "<style>@page { @bottom-center { content: 'Page ' counter(page) } }</style><p>Text</p>"
    )
    assert len(margin_box_calls) == 1
