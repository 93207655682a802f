from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from promotion import rules


def batch_list(request: HttpRequest) -> HttpResponse:
    batches = rules.BATCHES.queryset(request.user)
    return render(request, "promotion/batch_list.html", {"batches": batches})
