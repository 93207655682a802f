from django.urls import URLPattern, path

from promotion.views import cases

urlpatterns: list[URLPattern] = [path("cases/", cases.case_list, name="cases")]
