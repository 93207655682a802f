from django.urls import URLPattern, path

from promotion.views import rounds

urlpatterns: list[URLPattern] = [
    path("rounds/", rounds.round_list, name="rounds"),
    path("rounds/new/", rounds.round_new, name="round_new"),
    path("rounds/<int:pk>/", rounds.round_page, name="round"),
    path("rounds/<int:pk>/close/", rounds.round_close, name="round_close"),
    path(
        "rounds/<int:pk>/feedback/<int:province>/",
        rounds.round_feedback,
        name="round_feedback",
    ),
]
