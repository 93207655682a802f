from django.urls import URLPattern, path

from promotion.views import bulk

urlpatterns: list[URLPattern] = [
    path("bulk/", bulk.bulk_index, name="bulk"),
    path("bulk/rounds/<int:pk>/", bulk.bulk_round, name="bulk_round"),
    path("bulk/rounds/<int:pk>/sheet/", bulk.bulk_sheet, name="bulk_sheet"),
    path("bulk/jobs/<int:pk>/", bulk.bulk_job, name="bulk_job"),
    path("bulk/jobs/<int:pk>/file/", bulk.bulk_file, name="bulk_file"),
]
