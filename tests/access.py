"""The roles every view's access test walks through, and the sign-in check they share."""

# The conftest fixtures, one per kind of person a view must tell apart.
ROLES = (
    "trainee",
    "leader",
    "other_group_leader",
    "stranger",
    "organiser",
    "other_scheme_organiser",
)
# A scheme's organiser pages: everyone else gets 404, as if the scheme did not exist.
ORGANISERS_ONLY = [(role, 200 if role == "organiser" else 404) for role in ROLES]


def assert_sign_in_first(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"
