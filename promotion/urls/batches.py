from django.urls import URLPattern, path

from promotion.views import batches

urlpatterns: list[URLPattern] = [path("batches/", batches.batch_list, name="batches")]
