from django.urls import URLPattern, path

from evaluation.views import commissions as views

urlpatterns: list[URLPattern] = [
    path("commissions/", views.commission_list, name="commissions"),
    path("commissions/xlsx/", views.commission_list_xlsx, name="commissions_xlsx"),
    path("commissions/new/", views.commission_new, name="commission_new"),
    path("commissions/<int:pk>/", views.commission_page, name="commission"),
    path("commissions/<int:pk>/edit/", views.commission_edit, name="commission_edit"),
    path("commissions/<int:pk>/xlsx/", views.commission_tasks_xlsx, name="commission_xlsx"),
    path(
        "commissions/<int:pk>/tasks/<int:task_pk>/",
        views.commission_task,
        name="commission_task",
    ),
    path(
        "commissions/<int:pk>/tasks/<int:task_pk>/documents/<int:document_pk>/",
        views.commission_document,
        name="commission_document",
    ),
    path("commissions/<int:pk>/visits/new/", views.visit_new, name="commission_visit_new"),
    path("commissions/<int:pk>/evidence/new/", views.evidence_new, name="commission_evidence_new"),
    path(
        "commissions/<int:pk>/evidence/<int:evidence_pk>/",
        views.evidence_download,
        name="commission_evidence",
    ),
    path(
        "commissions/<int:pk>/evidence/<int:evidence_pk>/remove/",
        views.evidence_remove,
        name="commission_evidence_remove",
    ),
]
