"""The roles every view's access test walks through, and the checks they share.

    @pytest.mark.parametrize(("role", "status"), access(trainee=403, leader=200, organiser=200))
    def test_access_by_role(group, status, signed_in):
        assert signed_in.get(url(group)).status_code == status

`signed_in` (tests/conftest.py) is the test client signed in as the case's `role`.
"""

# The conftest fixtures, one per kind of person a view must tell apart.
ROLES = (
    "trainee",
    "leader",
    "other_group_leader",
    "stranger",
    "organiser",
    "other_scheme_organiser",
)


def access(*, default: int = 404, **statuses: int) -> list[tuple[str, int]]:
    """(role, status) cases for every role in ROLES: the named ones get their status, the
    rest `default` (404: as if the page did not exist). A role a file adds as its own
    fixture (`member`, `colleague`) is named like the others and comes after ROLES."""
    extra = [role for role in statuses if role not in ROLES]
    return [(role, statuses.get(role, default)) for role in (*ROLES, *extra)]


# A scheme's organiser pages: everyone else gets 404, as if the scheme did not exist.
ORGANISERS_ONLY = access(organiser=200)
# A group's pages: its leaders and the scheme's organisers; its members are told no.
GROUP_LEADERS_AND_ORGANISERS = access(trainee=403, leader=200, organiser=200)


def assert_sign_in_first(client, url: str, *, method: str = "get", data=None):
    """A signed-out visitor is sent to sign in, and back to `url` after; the response."""
    response = getattr(client, method)(url, data or {})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"
    return response
