from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kernel.access import require
from promotion import rules


@require(rules.sees_dashboards)
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "overview/dashboard.html", {})
