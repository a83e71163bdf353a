from django.urls import path

from attendance import leader_record_views as views

urlpatterns = [
    path("leading/record.<str:fmt>", views.leading_record, name="leading_record"),
]
