from django.urls import path

from sessions.calendar import views as calendar_views
from sessions.guests import views as guest_views
from sessions.leave import views as leave_views
from sessions.reminders import views as reminder_views
from sessions.rosters import views as roster_views
from sessions.rota import views as rota_views
from sessions.schedule import views as schedule_views

urlpatterns = [
    path("rota/", rota_views.my_rota, name="my_rota"),
    path("rota/presenting/", rota_views.presenting_note, name="presenting_note"),
    path("visit/", guest_views.visit, name="visit"),
    path("sessions/<int:pk>/visit/", guest_views.guest_request_make, name="guest_request_make"),
    path(
        "visits/<int:pk>/withdraw/",
        guest_views.guest_request_withdraw,
        name="guest_request_withdraw",
    ),
    path(
        "visits/<int:pk>/accept/",
        guest_views.guest_request_decide,
        {"decision": "accept"},
        name="guest_request_accept",
    ),
    path(
        "visits/<int:pk>/decline/",
        guest_views.guest_request_decide,
        {"decision": "decline"},
        name="guest_request_decline",
    ),
    path("groups/<int:pk>/guests/", guest_views.group_guests, name="group_guests"),
    path("sessions/<int:pk>/combine/", guest_views.session_combine, name="session_combine"),
    path("sessions/<int:pk>/separate/", guest_views.session_separate, name="session_separate"),
    path("leave/", leave_views.leave_list, name="leave_list"),
    path("leave/<int:pk>/delete/", leave_views.leave_delete, name="leave_delete"),
    path("calendar/", calendar_views.calendar_settings, name="calendar_settings"),
    path("rosters/", roster_views.my_roster, name="my_roster"),
    path("rosters/upload/", roster_views.roster_upload, name="roster_upload"),
    path("rosters/feed/", roster_views.roster_feed_add, name="roster_feed_add"),
    path("rosters/<int:pk>/refresh/", roster_views.roster_refresh, name="roster_refresh"),
    path("rosters/<int:pk>/delete/", roster_views.roster_delete, name="roster_delete"),
    path("schemes/<int:pk>/rosters/", roster_views.scheme_rosters, name="scheme_rosters"),
    path(
        "schemes/<int:pk>/rosters/uploads/<int:upload_pk>/",
        roster_views.scheme_roster_preview,
        name="scheme_roster_preview",
    ),
    path("reminders/", reminder_views.reminder_settings, name="reminder_settings"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("groups/<int:pk>/sessions/", schedule_views.group_sessions, name="group_sessions"),
    path("groups/<int:pk>/sessions/term/", schedule_views.term_generate, name="term_generate"),
    path("groups/<int:pk>/sessions/new/", schedule_views.session_add, name="session_add"),
    path("groups/<int:pk>/rota/", rota_views.group_rota, name="group_rota"),
    path("groups/<int:pk>/rota/assign/", rota_views.rota_assign, name="rota_assign"),
    path("sessions/<int:pk>/move/", schedule_views.session_move, name="session_move"),
    path("sessions/<int:pk>/cancel/", schedule_views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/presenter/", rota_views.presenter_set, name="presenter_set"),
    path("sessions/<int:pk>/give-back/", rota_views.give_back, name="give_back"),
    path("sessions/<int:pk>/swap/", rota_views.swap_request, name="swap_request"),
    path("sessions/<int:pk>/offer/", rota_views.presenting_offer, name="presenting_offer"),
    path(
        "offers/<int:pk>/withdraw/",
        rota_views.presenting_offer_withdraw,
        name="presenting_offer_withdraw",
    ),
    path("sessions/<int:pk>.ics", calendar_views.session_ics, name="session_ics"),
    path(
        "swaps/<int:pk>/accept/",
        rota_views.swap_decide,
        {"decision": "accept"},
        name="swap_accept",
    ),
    path(
        "swaps/<int:pk>/decline/",
        rota_views.swap_decide,
        {"decision": "decline"},
        name="swap_decline",
    ),
]
