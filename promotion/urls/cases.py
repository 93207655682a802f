from django.urls import URLPattern, path

from promotion.views import cases

urlpatterns: list[URLPattern] = [
    path("cases/", cases.case_list, name="cases"),
    path("cases/xlsx/", cases.case_xlsx, name="cases_xlsx"),
    path("cases/new/", cases.case_new, name="case_new"),
    path("cases/<int:pk>/", cases.case_page, name="case"),
    path("cases/<int:pk>/edit/", cases.case_edit, name="case_edit"),
    path("cases/<int:pk>/publish/", cases.case_publish, name="case_publish"),
]
