from django.urls import URLPattern, path

from evaluation.views import scoring

urlpatterns: list[URLPattern] = [
    path("commissions/<int:pk>/indicators/", scoring.indicators_edit, name="indicators_edit"),
    path("commissions/<int:pk>/scores/", scoring.scores, name="scores"),
    path("commissions/<int:pk>/scores/xlsx/", scoring.scores_xlsx, name="scores_xlsx"),
    path("commissions/<int:pk>/report/", scoring.report_download, name="report_download"),
    path(
        "commissions/<int:pk>/report/generated/",
        scoring.report_generated,
        name="report_generated",
    ),
    path("commissions/<int:pk>/report/upload/", scoring.report_upload, name="report_upload"),
    path("commissions/<int:pk>/report/deliver/", scoring.report_deliver, name="report_deliver"),
    path("evaluations/<int:pk>/", scoring.task_evaluation, name="task_evaluation"),
    path("evaluations/<int:pk>/score/", scoring.task_score, name="task_score"),
]
