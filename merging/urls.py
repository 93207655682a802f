from django.urls import path  # noqa: F401  (views are added with the merging feature)

app_name = "merging"

urlpatterns: list = []
