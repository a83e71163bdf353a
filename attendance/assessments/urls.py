from django.urls import path

from attendance.assessments import views

urlpatterns = [
    path("assessments/", views.mine, name="assessments"),
    path("assessments/request/", views.request_assessment, name="assessment_request"),
    path("assessments/to-complete/", views.to_complete, name="assessments_to_complete"),
    path("assessments/<int:pk>/", views.detail, name="assessment"),
    path("assessments/<int:pk>/withdraw/", views.withdraw, name="assessment_withdraw"),
    path("assessments/<int:pk>/acknowledge/", views.acknowledge, name="assessment_acknowledge"),
    path("assessments/<int:pk>/complete/", views.complete, name="assessment_complete"),
]
