"""Promotion's pages, one module per area; each module's patterns are named in the namespace
"promotion"."""

from promotion.urls import adoption, batches, bulk, cases, guidance, hub, rounds, seminars

app_name = "promotion"

urlpatterns = [
    *hub.urlpatterns,
    *batches.urlpatterns,
    *cases.urlpatterns,
    *rounds.urlpatterns,
    *adoption.urlpatterns,
    *bulk.urlpatterns,
    *guidance.urlpatterns,
    *seminars.urlpatterns,
]
