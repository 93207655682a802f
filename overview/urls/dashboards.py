from django.urls import URLPattern, path

from overview.views import dashboards

urlpatterns: list[URLPattern] = [path("", dashboards.dashboard, name="dashboard")]
