from django.urls import URLPattern, path

from promotion.views import hub

urlpatterns: list[URLPattern] = [path("", hub.index, name="index")]
