from django.urls import path

from claims import views

app_name = "claims"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.programme_create, name="create"),
    path("<int:pk>/", views.programme_page, name="programme"),
    path("<int:pk>/edit/", views.programme_edit, name="edit"),
    path("<int:pk>/closing/", views.programme_closing, name="closing"),
    path("<int:pk>/list-version/", views.programme_move_version, name="move_version"),
    path("<int:pk>/items/add/", views.item_add, name="item_add"),
    path("<int:pk>/items/import/", views.items_import, name="items_import"),
    path("<int:pk>/claimants/", views.claimants, name="claimants"),
    path("<int:pk>/open/", views.programme_open, name="open"),
    path("<int:pk>/close/", views.programme_close, name="close"),
    path("<int:pk>/results/", views.results_page, name="results"),
    path("<int:pk>/results/xlsx/", views.results_xlsx, name="results_xlsx"),
    path("<int:pk>/shortlist/", views.shortlist, name="shortlist"),
    path("<int:pk>/notices/issue/", views.notices_issue, name="notices_issue"),
    path("items/<int:pk>/claim/", views.item_claim, name="claim"),
    path("items/<int:pk>/withdraw/", views.item_withdraw, name="withdraw"),
    path("items/<int:pk>/remove/", views.item_remove, name="item_remove"),
    path("notices/<int:pk>/docx/", views.notice_docx, name="notice_docx"),
    path("notices/<int:pk>/correct/", views.notice_correct, name="notice_correct"),
]
