from django.urls import path

from groups import mail_views, privacy_views, second_factor_views, views

urlpatterns = [
    path("schemes/<int:pk>/", views.scheme_detail, name="scheme_detail"),
    path("schemes/<int:pk>/people/", views.scheme_people, name="scheme_people"),
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
    path(
        "groups/<int:group_pk>/members/add-several/",
        views.membership_bulk_add,
        name="membership_bulk_add",
    ),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    # Privacy
    path("privacy/", privacy_views.privacy_notice, name="privacy_notice"),
    path("my-data/", privacy_views.my_data, name="my_data"),
    path("my-data/download/", privacy_views.my_data_download, name="my_data_download"),
    path("access-log/", privacy_views.access_log, name="access_log"),
    path(
        "schemes/<int:pk>/people/<int:person_pk>/erase/",
        privacy_views.person_erase,
        name="person_erase",
    ),
    path(
        "schemes/<int:pk>/people/<int:person_pk>/second-factor/",
        second_factor_views.person_second_factor_reset,
        name="person_second_factor_reset",
    ),
    path("schemes/<int:pk>/access-log/", privacy_views.scheme_access_log, name="scheme_access_log"),
    path("schemes/<int:pk>/privacy/", privacy_views.scheme_privacy, name="scheme_privacy"),
    # Undelivered mail
    path("schemes/<int:pk>/mail/", mail_views.scheme_mail, name="scheme_mail"),
    path(
        "schemes/<int:pk>/mail/<int:email_pk>/retry/",
        mail_views.scheme_mail_retry,
        name="scheme_mail_retry",
    ),
]
