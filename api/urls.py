"""The API's routes: the core resources here, the implementation-to-promotion ones in
`api.work.urls`. Filled in by the API work."""

from django.urls import include, path

app_name = "api"

urlpatterns: list = [
    path("", include("api.work.urls")),
]
