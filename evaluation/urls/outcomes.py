from django.urls import URLPattern, path

from evaluation.views import outcomes

urlpatterns: list[URLPattern] = [
    path("outcomes/", outcomes.outcome_index, name="outcomes"),
    path("outcomes/xlsx/", outcomes.outcome_xlsx, name="outcomes_xlsx"),
    path("outcomes/choose/", outcomes.outcome_choose, name="outcome_choose"),
    path("outcomes/new/", outcomes.outcome_new, name="outcome_new"),
    path("outcomes/<int:pk>/", outcomes.outcome_page, name="outcome"),
    path("outcomes/<int:pk>/edit/", outcomes.outcome_edit, name="outcome_edit"),
    path("outcomes/<int:pk>/confirm/", outcomes.outcome_confirm, name="outcome_confirm"),
]
