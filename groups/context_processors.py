from django.utils.functional import SimpleLazyObject

from groups.selectors import Roles, roles_of


def roles(request) -> Roles:
    """The roles of the signed-in person, read at most once per request (one query):
    the navigation and the home page both need them."""
    if not hasattr(request, "_roles"):
        user = request.user
        request._roles = roles_of(user) if user.is_authenticated else Roles()
    return request._roles


def navigation(request):
    """The roles behind the navigation's items, read only when a page shows them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": Roles()}
    return {"nav_roles": SimpleLazyObject(lambda: roles(request))}
