from django.utils.functional import SimpleLazyObject

from groups.models import Scheme
from groups.permissions import schemes_organised_by


def organised_schemes(request) -> list[Scheme]:
    """The schemes the signed-in person organises (pk and name), read once per request:
    the navigation and the home page both need them."""
    if not hasattr(request, "_organised_schemes"):
        user = request.user
        schemes = schemes_organised_by(user).only("pk", "name") if user.is_authenticated else ()
        request._organised_schemes = list(schemes)
    return request._organised_schemes


def navigation(request):
    """Schemes the user organises, for the navigation bar (read only when it is shown)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_schemes": ()}
    return {"nav_schemes": SimpleLazyObject(lambda: organised_schemes(request))}
