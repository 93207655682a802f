"""The API's routes: the core resources here (`api.resources`), the implementation-to-promotion
ones in `api.work.urls`; the schema, its docs and the token endpoints."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api import views_tokens
from api.resources import register

app_name = "api"

router = SimpleRouter(use_regex_path=False)  # path() routes, ids as <int:pk>
register(router)

urlpatterns: list = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (CSP: no inline script); Redoc is
    # left out, its page loads fonts from Google.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("token/", views_tokens.TokenObtainView.as_view(), name="token"),
    path("tokens/", views_tokens.token_page, name="token_page"),
    path("", include(router.urls)),
    path("", include("api.work.urls")),
]
