from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from promotion import rules


def case_list(request: HttpRequest) -> HttpResponse:
    cases = rules.CASES.queryset(request.user)
    return render(request, "promotion/case_list.html", {"cases": cases})
