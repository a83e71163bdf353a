from django.contrib import admin
from django.urls import include, path

from balint.admin_login import admin_login
from balint.health import healthz, worker_healthz
from balint.views import empty_page

admin.site.site_header = "Balint administration"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("healthz/worker", worker_healthz, name="worker_healthz"),
    path("bench/empty/", empty_page, name="empty_page"),
    # Before admin.site.urls: the admin signs in through allauth and its limits.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("groups.urls")),
    path("", include("sessions.urls")),
    path("", include("attendance.urls")),
    path("", include("feedback.urls")),
]
