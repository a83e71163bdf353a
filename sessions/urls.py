from django.urls import path

from sessions import views

urlpatterns = [
    path("rota/", views.my_rota, name="my_rota"),
    path("leave/", views.leave_list, name="leave_list"),
    path("leave/<int:pk>/delete/", views.leave_delete, name="leave_delete"),
    path("calendar/", views.calendar_settings, name="calendar_settings"),
    path("rosters/", views.my_roster, name="my_roster"),
    path("rosters/upload/", views.roster_upload, name="roster_upload"),
    path("rosters/feed/", views.roster_feed_add, name="roster_feed_add"),
    path("rosters/<int:pk>/refresh/", views.roster_refresh, name="roster_refresh"),
    path("rosters/<int:pk>/delete/", views.roster_delete, name="roster_delete"),
    path("schemes/<int:pk>/rosters/", views.scheme_rosters, name="scheme_rosters"),
    path(
        "schemes/<int:pk>/rosters/uploads/<int:upload_pk>/",
        views.scheme_roster_preview,
        name="scheme_roster_preview",
    ),
    path("reminders/", views.reminder_settings, name="reminder_settings"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("groups/<int:pk>/sessions/", views.group_sessions, name="group_sessions"),
    path("groups/<int:pk>/sessions/term/", views.term_generate, name="term_generate"),
    path("groups/<int:pk>/sessions/new/", views.session_add, name="session_add"),
    path("groups/<int:pk>/rota/assign/", views.rota_assign, name="rota_assign"),
    path("sessions/<int:pk>/move/", views.session_move, name="session_move"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/presenter/", views.presenter_set, name="presenter_set"),
    path("sessions/<int:pk>/give-back/", views.give_back, name="give_back"),
    path("sessions/<int:pk>/swap/", views.swap_request, name="swap_request"),
    path("sessions/<int:pk>.ics", views.session_ics, name="session_ics"),
    path("swaps/<int:pk>/accept/", views.swap_decide, {"decision": "accept"}, name="swap_accept"),
    path(
        "swaps/<int:pk>/decline/", views.swap_decide, {"decision": "decline"}, name="swap_decline"
    ),
]
