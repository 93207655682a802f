from django.urls import path

from evaluation.urls import closeout, commissions, incentives, outcomes, scoring
from evaluation.views import hub

app_name = "evaluation"

urlpatterns = [
    path("", hub.index, name="index"),
    *closeout.urlpatterns,
    *commissions.urlpatterns,
    *scoring.urlpatterns,
    *outcomes.urlpatterns,
    *incentives.urlpatterns,
]
