from django.urls import path

from proposals.views import attachments, cycles, io, proposals, suggestions, topics

app_name = "proposals"

urlpatterns = [
    path("cycles/", cycles.cycle_list, name="cycle_list"),
    path("cycles/new/", cycles.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", cycles.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/edit/", cycles.cycle_edit, name="cycle_edit"),
    path("cycles/<int:pk>/export/", cycles.cycle_export, name="cycle_export"),
    path("cycles/<int:pk>/extensions/", cycles.extension_grant, name="extension_grant"),
    path("cycles/<int:pk>/topics/", topics.topic_index, name="topic_list"),
    path("cycles/<int:pk>/topics/export/", topics.topic_export, name="topic_export"),
    path("cycles/<int:pk>/topics/new/", topics.topic_create, name="topic_create"),
    path("topics/<int:pk>/", topics.topic_detail, name="topic_detail"),
    path("topics/<int:pk>/authorise/", topics.topic_authorise, name="topic_authorise"),
    path("topics/<int:pk>/decline/", topics.topic_decline, name="topic_decline"),
    path("suggestions/", suggestions.suggestion_list, name="suggestion_list"),
    path("suggestions/export/", suggestions.suggestion_export, name="suggestion_export"),
    path("suggestions/new/", suggestions.suggestion_create, name="suggestion_create"),
    path("suggestions/<int:pk>/", suggestions.suggestion_detail, name="suggestion_detail"),
    path("proposals/", proposals.proposal_index, name="proposal_list"),
    path("proposals/new/", proposals.proposal_create, name="proposal_create"),
    path("proposals/submit/", proposals.proposal_submit, name="proposal_submit"),
    path("proposals/<int:pk>/", proposals.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/edit/", proposals.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/delete/", proposals.proposal_delete, name="proposal_delete"),
    path("proposals/<int:pk>/return/", proposals.proposal_return, name="proposal_return"),
    path("proposals/<int:pk>/attachments/", proposals.attachment_upload, name="attachment_upload"),
    path("proposals/<int:pk>/docx/", io.proposal_docx, name="proposal_docx"),
    path("proposals/export/", io.proposal_export, name="proposal_export"),
    path("proposals/import/", io.proposal_import, name="proposal_import"),
    path("proposals/import/template/", io.import_template, name="import_template"),
    path("attachments/<int:pk>/", attachments.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", attachments.attachment_delete, name="attachment_delete"),
]
