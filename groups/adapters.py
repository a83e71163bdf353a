from allauth.account import forms as allauth_forms
from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.core import context
from allauth.core.internal import ratelimit

from balint.ratelimit import client_ip


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: people join through an organiser's invitation.

    Failed sign-ins are limited as settings.ACCOUNT_RATE_LIMITS explains: per
    address, per email from that address ("login_failed"), and per email from
    every address ("login_failed_account"), so that failures from one address
    never lock the owner of an email out elsewhere.
    """

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_client_ip(self, request) -> str:
        """allauth's rate limits count against the same address as ours (TRUSTED_PROXY_*)."""
        return client_ip(request)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """The "key" of allauth's login_failed limit: the email *and* the address
        (as allauth's per-address limits see it, IPv6 by its /64)."""
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}@{ratelimit.get_ip(request)}"

    def pre_authenticate(self, request, **credentials) -> None:
        super().pre_authenticate(request, **credentials)
        account = DefaultAccountAdapter._get_login_attempts_cache_key(self, request, **credentials)
        self._login_failed_account_usage = ratelimit.consume(
            request, app="allauth.account", action="login_failed_account", key=account
        )
        if not self._login_failed_account_usage:
            raise self.validation_error("too_many_login_attempts")

    def _rollback_login_failed_rl_usage(self) -> None:
        """A success un-counts itself from every limit it was counted in."""
        super()._rollback_login_failed_rl_usage()
        usage = getattr(self, "_login_failed_account_usage", None)
        if usage:
            usage.rollback()


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    """Sign-in codes are limited per email *from each address* ("request_login_code_from"),
    never per email alone: the emailed code is the way in for someone whose password
    is under attack, so nobody who knows their email may use the limit to stop it."""

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email:
            key = f"{email.lower()}@{ratelimit.get_ip(context.request)}"
            if not ratelimit.consume(
                context.request, app="allauth.account", action="request_login_code_from", key=key
            ):
                raise get_adapter().validation_error("too_many_login_attempts")
        return super().clean_email()
