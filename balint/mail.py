"""Email from templates: `emails/<name>_subject.txt`, `<name>.txt` and `<name>.html`."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, engines
from django.template.loader import render_to_string


def _render_text(name: str, context: dict) -> str:
    """Plain text is not HTML: no escaping, so "O'Brien" stays "O'Brien"."""
    template = engines["django"].get_template(name).template
    return template.render(Context(context, autoescape=False))


def send_templated_mail(*, to: list[str], template: str, context: dict) -> None:
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(_render_text(f"emails/{template}_subject.txt", context).split())
    text = _render_text(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    message.send()
