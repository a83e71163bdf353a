"""The Django admin signs in through allauth's page, not a password form of its own.

allauth's page carries the failed sign-in limits (settings.ACCOUNT_RATE_LIMITS),
email verification and the emailed sign-in code; the admin's own login form
carries none of them, so /admin/login/ sends people to allauth's, and back.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def admin_login(request):
    """Replaces admin.site.login (GET and POST alike: no password is read here)."""
    target = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("admin:index")
    if request.user.is_authenticated:
        if not admin.site.has_permission(request):
            # Signed in but not staff: sending them to sign in again would loop
            # (allauth sends a signed-in person straight back to `next`).
            raise PermissionDenied
        return redirect(target)
    return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")
