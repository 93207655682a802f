from django.urls import path

from merging import views

app_name = "merging"

urlpatterns = [
    path("", views.merging_index, name="index"),
    path("cycles/<int:pk>/", views.group_index, name="group_list"),
    path("cycles/<int:pk>/suggest/", views.suggestions_run, name="suggestions_run"),
    path("cycles/<int:pk>/groups/export/", views.group_export, name="group_export"),
    path("cycles/<int:pk>/remaining/", views.remaining_index, name="remaining_list"),
    path("cycles/<int:pk>/merge/", views.proposals_merge, name="proposals_merge"),
    path("cycles/<int:pk>/promote/", views.proposals_promote, name="proposals_promote"),
    path("groups/<int:pk>/accept/", views.group_accept, name="group_accept"),
    path("groups/<int:pk>/split/", views.group_split, name="group_split"),
    path("groups/<int:pk>/join/", views.group_join, name="group_join"),
    path("groups/<int:pk>/ignore/", views.group_ignore, name="group_ignore"),
    path("groups/<int:pk>/restore/", views.group_restore, name="group_restore"),
    path("candidates/", views.candidate_index, name="candidate_list"),
    path("candidates/export/", views.candidate_export, name="candidate_export"),
    path("candidates/<int:pk>/", views.candidate_detail, name="candidate_detail"),
    path("candidates/<int:pk>/undo/", views.candidate_undo, name="candidate_undo"),
    path("similar/", views.similar_fragment, name="similar"),
]
