"""Organisers and staff set up a second factor before they use the site.

They see a whole scheme's personal data (groups.second_factor). Until they have an
authenticator app or a passkey, every page sends them to the page that sets one
up; signing out, confirming an email address (allauth sets up a second factor
only on a confirmed address) and the public pages stay open. The answer is kept
in the session once it is yes, and asked again at every sign-in and whenever a
factor is removed, so it costs queries only on a session's first page.
"""

from allauth.account.signals import user_logged_in
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.conf import settings
from django.contrib import messages
from django.dispatch import receiver
from django.shortcuts import redirect

from groups.second_factor import second_factor_required
from groups.selectors import has_second_factor

SESSION_KEY = "balint_second_factor_checked"
OPEN_PAGES = {
    "account_logout",
    "account_email",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_reauthenticate",
    "privacy_notice",
    "healthz",
}
NEEDED = (
    "Your role lets you see a whole scheme's personal data, so your account needs a "
    "second factor before you go on: an authenticator app, or a passkey (security key)."
)


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not settings.SECOND_FACTOR_REQUIRED or not user.is_authenticated:
            return None
        if request.session.get(SESSION_KEY):
            return None
        name = request.resolver_match.url_name or ""
        if name in OPEN_PAGES or name.startswith("mfa_"):
            return None
        if second_factor_required(user) and not has_second_factor(user):
            _tell_once(request)
            return redirect("mfa_index")
        request.session[SESSION_KEY] = True
        return None


def _tell_once(request) -> None:
    queued = messages.get_messages(request)
    told = any(message.message == NEEDED for message in queued)
    queued.used = False  # looked at, not shown: they stay for the next page
    if not told:
        messages.warning(request, NEEDED)


@receiver(user_logged_in)
@receiver(authenticator_removed)
def _ask_again(sender, request, **kwargs) -> None:
    request.session.pop(SESSION_KEY, None)


@receiver(authenticator_added)
def _now_has_one(sender, request, **kwargs) -> None:
    request.session[SESSION_KEY] = True
