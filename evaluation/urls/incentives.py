from django.urls import URLPattern, path

from evaluation.views import incentives, ranking

urlpatterns: list[URLPattern] = [
    path("ranking/", ranking.ranking_page, name="ranking"),
    path("ranking/xlsx/", ranking.ranking_xlsx, name="ranking_xlsx"),
    path("ranking/formula/", ranking.formula_change, name="ranking_formula"),
    path("incentives/", incentives.incentive_index, name="incentives"),
    path("incentives/xlsx/", incentives.incentive_xlsx, name="incentives_xlsx"),
    path("incentives/new/", incentives.incentive_new, name="incentive_new"),
    path("incentives/<int:pk>/", incentives.incentive_page, name="incentive"),
    path("incentives/<int:pk>/docx/", incentives.incentive_docx, name="incentive_docx"),
    path("register/", incentives.register_page, name="register"),
    path("register/xlsx/", incentives.register_xlsx, name="register_xlsx"),
    path("register/json/", incentives.register_json, name="register_json"),
]
