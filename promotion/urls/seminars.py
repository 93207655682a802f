from django.urls import URLPattern, path

from promotion.views import seminars

urlpatterns: list[URLPattern] = [
    path("seminars/", seminars.seminar_index, name="seminars"),
    path("seminars/xlsx/", seminars.seminar_xlsx, name="seminars_xlsx"),
    path("seminars/new/", seminars.seminar_new, name="seminar_new"),
    path("seminars/<int:pk>/", seminars.seminar_page, name="seminar"),
    path("seminars/<int:pk>/plan/", seminars.seminar_plan, name="seminar_plan"),
    path("seminars/<int:pk>/held/", seminars.seminar_held, name="seminar_held"),
    path("seminars/<int:pk>/docx/", seminars.seminar_docx, name="seminar_docx"),
]
