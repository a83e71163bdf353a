from django.urls import path

from attendance.changeover import views

urlpatterns = [
    path("schemes/<int:pk>/changeover/", views.changeover, name="changeover"),
    path(
        "schemes/<int:pk>/changeover/rotation-dates/",
        views.rotation_dates_add,
        name="rotation_dates_add",
    ),
    path(
        "schemes/<int:pk>/changeover/rotation-dates/<int:date_pk>/delete/",
        views.rotation_date_delete,
        name="rotation_date_delete",
    ),
]
