from django.urls import path

from review.views import assign, experts, results, reviews

app_name = "review"

urlpatterns = [
    path("", assign.review_index, name="index"),
    path("experts/", experts.expert_index, name="expert_list"),
    path("experts/export/", experts.expert_export, name="expert_export"),
    path("experts/new/", experts.expert_create, name="expert_create"),
    path("experts/<int:pk>/edit/", experts.expert_edit, name="expert_edit"),
    path("cycles/<int:pk>/", assign.cycle_overview, name="cycle_overview"),
    path("cycles/<int:pk>/export/", assign.cycle_assignments_export, name="cycle_export"),
    path("cycles/<int:pk>/assign/", assign.assignment_solve, name="assign"),
    path("previews/<int:pk>/", assign.assignment_preview, name="assignment_preview"),
    path("previews/<int:pk>/save/", assign.assignment_preview_save, name="assignment_save"),
    path("cycles/<int:pk>/ranking/", results.ranking, name="ranking"),
    path("cycles/<int:pk>/ranking/export/", results.ranking_export, name="ranking_export"),
    path("candidates/<int:pk>/", assign.candidate_detail, name="candidate_detail"),
    path("candidates/<int:pk>/add/", assign.reviewer_add, name="reviewer_add"),
    path("assignments/<int:pk>/", reviews.review_edit, name="review_edit"),
    path("assignments/<int:pk>/submit/", reviews.review_submit, name="review_submit"),
    path("assignments/<int:pk>/replace/", assign.reviewer_replace, name="reviewer_replace"),
    path("assignments/<int:pk>/remove/", assign.reviewer_remove, name="reviewer_remove"),
    path("mine/", reviews.my_reviews, name="my_reviews"),
    path("mine/export/", reviews.my_reviews_export, name="my_reviews_export"),
]
