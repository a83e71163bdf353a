from allauth.account.adapter import DefaultAccountAdapter

from balint.ratelimit import client_ip


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: people join through an organiser's invitation."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def get_client_ip(self, request) -> str:
        """allauth's rate limits count against the same address as ours (TRUSTED_PROXY_*)."""
        return client_ip(request)
