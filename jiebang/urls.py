from django.contrib import admin
from django.urls import include, path

from jiebang import views

handler500 = "jiebang.errors.server_error"

# Uploaded files are never served as static media: every download goes through a view that
# checks the user's right to the object.
urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("jobs/", include("jobs.urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("merging/", include("merging.urls")),
    path("review/", include("review.urls")),
    path("lists/", include("lists.urls")),
    path("claims/", include("claims.urls")),
    path("tasks/", include("tasks.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("promotion/", include("promotion.urls")),
    path("overview/", include("overview.urls")),
    path("api/", include("api.urls")),
    path("", include("proposals.urls")),
]
