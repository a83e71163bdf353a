from groups.permissions import schemes_organised_by


def navigation(request):
    """Schemes the user organises, for the navigation bar (evaluated only when used)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_schemes": ()}
    return {"nav_schemes": schemes_organised_by(user).only("pk", "name")}
