from django.urls import URLPattern, path

from promotion.views import guidance

urlpatterns: list[URLPattern] = [
    path("guidance/", guidance.guidance_index, name="guidance"),
    path("guidance/xlsx/", guidance.guidance_xlsx, name="guidance_xlsx"),
    path("guidance/new/", guidance.guidance_new, name="guidance_new"),
    path("guidance/<int:pk>/", guidance.guidance_page, name="guidance_page"),
    path("guidance/<int:pk>/edit/", guidance.guidance_edit, name="guidance_edit"),
    path("guidance/<int:pk>/remove/", guidance.guidance_remove, name="guidance_remove"),
    path("guidance/<int:pk>/document/", guidance.guidance_document, name="guidance_document"),
]
