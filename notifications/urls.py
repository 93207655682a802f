from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.index, name="index"),
    path("xlsx/", views.export, name="export"),
    path("read/", views.mark_all_read, name="mark_all_read"),
    path("email/", views.email_choice, name="email_choice"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
]
