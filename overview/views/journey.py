"""The journey of a measure, as a page and as JSON (/overview/journey/<kind>/<pk>/ and .json).

Open to anyone, signed in or not: the record the journey starts from decides (404 when the user
may not see it), and each step is shown as its own stage allows — a published measure's
journey shows the public its published steps."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from overview.journey import STAGES, journey_for


def journey_page(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    journey = journey_for(request.user, kind, pk)
    stages = {step.stage for step in journey.steps}
    context = {
        "journey": journey,
        "steps": journey.steps,
        # The stages the user sees nothing of, named so that a short journey is not mistaken
        # for the whole story.
        "unseen": [label for stage, label in STAGES.items() if stage not in stages],
    }
    return render(request, "overview/journey.html", context)


def journey_json(request: HttpRequest, kind: str, pk: int) -> JsonResponse:
    """The page's steps as JSON; a record the user may not see answers 404 in JSON too."""
    try:
        journey = journey_for(request.user, kind, pk)
    except Http404:
        return JsonResponse({"error": "not found"}, status=404)
    return JsonResponse(journey.as_json(), json_dumps_params={"ensure_ascii": False})
