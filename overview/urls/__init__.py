"""The views across every stage: the dashboards and the journey of a measure."""

from overview.urls import dashboards, journey

app_name = "overview"

urlpatterns = [*dashboards.urlpatterns, *journey.urlpatterns]
