from django.urls import URLPattern, path

from evaluation.views import closeout as views

urlpatterns: list[URLPattern] = [
    path("close-outs/", views.index, name="closeouts"),
    path("close-outs/export.xlsx", views.export, name="closeouts_export"),
    path("close-outs/<int:pk>/", views.detail, name="closeout"),
    path("close-outs/<int:pk>/submit/", views.submit, name="closeout_submit"),
    path("close-outs/<int:pk>/confirm/", views.confirm, name="closeout_confirm"),
    path("close-outs/<int:pk>/return/", views.return_, name="closeout_return"),
    path("close-outs/<int:pk>/accept/", views.accept, name="closeout_accept"),
    path("close-outs/<int:pk>/documents/add/", views.document_add, name="closeout_document_add"),
    path(
        "close-out-documents/<int:pk>/remove/",
        views.document_remove,
        name="closeout_document_remove",
    ),
    path(
        "close-out-documents/<int:pk>/file/",
        views.document_download,
        name="closeout_document_download",
    ),
    path("tasks/<int:task_pk>/close-out/", views.edit, name="closeout_edit"),
]
