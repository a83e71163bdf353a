from allauth.account.adapter import DefaultAccountAdapter


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: people join through an organiser's invitation."""

    def is_open_for_signup(self, request) -> bool:
        return False
