from django.urls import path  # noqa: F401  (views are added with the lists feature)

app_name = "lists"

urlpatterns: list = []
