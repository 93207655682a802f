from django.urls import URLPattern, path

from overview.views import journey

urlpatterns: list[URLPattern] = [
    path("journey/<slug:kind>/<int:pk>/", journey.journey_page, name="journey"),
    path("journey/<slug:kind>/<int:pk>.json", journey.journey_json, name="journey_json"),
]
