from django.urls import path

from lists.views import drafting, public, publishing

app_name = "lists"

urlpatterns = [
    # Public: published versions only, no login needed.
    path("", public.published_index, name="published"),
    path("versions/<int:pk>/", public.version_page, name="version_page"),
    path("versions/<int:pk>/xlsx/", public.version_xlsx, name="version_xlsx"),
    path("versions/<int:pk>/docx/", public.version_docx, name="version_docx"),
    path("<int:pk>/compare/", public.compare, name="compare"),
    # The national coordinator's.
    path("manage/", drafting.manage_index, name="manage"),
    path("manage/cycles/<int:cycle_pk>/new/", drafting.list_create, name="list_create"),
    path("manage/versions/<int:pk>/", drafting.workspace, name="workspace"),
    path("manage/versions/<int:pk>/edit/", drafting.version_edit, name="version_edit"),
    path("manage/versions/<int:pk>/add/", drafting.items_add, name="items_add"),
    path("manage/versions/<int:pk>/order/", drafting.items_order, name="items_order"),
    path("manage/items/<int:pk>/edit/", drafting.item_edit, name="item_edit"),
    path("manage/items/<int:pk>/remove/", drafting.item_remove, name="item_remove"),
    path("manage/versions/<int:pk>/send/", publishing.send_for_opinions, name="send"),
    path(
        "manage/versions/<int:pk>/consultations/new/",
        publishing.consultation_create,
        name="consultation_create",
    ),
    path(
        "manage/consultations/<int:pk>/edit/",
        publishing.consultation_edit,
        name="consultation_edit",
    ),
    path("manage/versions/<int:pk>/publish/", publishing.publish, name="publish"),
    path("manage/versions/<int:pk>/discard/", publishing.discard, name="discard"),
    path("manage/<int:pk>/revise/", publishing.revise, name="revise"),
]
