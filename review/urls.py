from django.urls import path  # noqa: F401  (views are added with the review feature)

app_name = "review"

urlpatterns: list = []
