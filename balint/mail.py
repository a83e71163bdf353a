"""Email from templates: `emails/<name>_subject.txt`, `<name>.txt` and `<name>.html`.

Rendered when a message is queued (balint.outbox), so what is sent is what the
change that caused it said, however late the mail server takes it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template import Context, engines
from django.template.loader import render_to_string


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def _render_text(name: str, context: dict) -> str:
    """Plain text is not HTML: no escaping, so "O'Brien" stays "O'Brien"."""
    template = engines["django"].get_template(name).template
    return template.render(Context(context, autoescape=False))


def render_templated_mail(template: str, context: dict) -> RenderedMail:
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(_render_text(f"emails/{template}_subject.txt", context).split())
    return RenderedMail(
        subject=subject[:255],
        text=_render_text(f"emails/{template}.txt", context),
        html=render_to_string(f"emails/{template}.html", context),
    )
