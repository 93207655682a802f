from django.urls import URLPattern, path

from promotion.views import batches

urlpatterns: list[URLPattern] = [
    path("batches/", batches.batch_list, name="batches"),
    path("batches/start/", batches.batch_start, name="batch_start"),
    path("batches/<int:pk>/", batches.batch_page, name="batch"),
    path("batches/<int:pk>/xlsx/", batches.batch_xlsx, name="batch_xlsx"),
    path("batches/<int:pk>/notice/", batches.batch_notice, name="batch_notice"),
    path("batches/<int:pk>/pick/", batches.batch_pick, name="batch_pick"),
    path("batches/<int:pk>/publish/", batches.batch_publish, name="batch_publish"),
    path("batches/<int:pk>/discard/", batches.batch_discard, name="batch_discard"),
    path("measures/<int:pk>/", batches.measure_page, name="measure"),
    path("measures/<int:pk>/edit/", batches.measure_edit, name="measure_edit"),
    path("measures/<int:pk>/remove/", batches.measure_remove, name="measure_remove"),
]
