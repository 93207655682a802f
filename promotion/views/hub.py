from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kernel.access import require
from promotion import rules


@require(rules.can_open_stage)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "promotion/index.html", {})
