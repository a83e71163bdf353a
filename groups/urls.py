from django.urls import path

from groups import views

urlpatterns = [
    path("", views.home, name="home"),
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme_detail"),
    path("schemes/<int:scheme_pk>/groups/new/", views.group_create, name="group_create"),
    path(
        "schemes/<int:scheme_pk>/invitations/new/",
        views.invitation_create,
        name="invitation_create",
    ),
    path(
        "schemes/<int:scheme_pk>/invitations/import/",
        views.invitation_import,
        name="invitation_import",
    ),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:group_pk>/members/add/", views.membership_add, name="membership_add"),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
