"""What anyone may read, logged in or not: published versions, their files and differences."""

from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kernel.downloads import DOCX, XLSX, download
from kernel.pages import paginate
from lists import excel, rules
from lists.documents import version_docx as render_docx
from lists.forms import CompareForm
from lists.selectors import (
    annual_list_get_for_user,
    groups,
    published_lists,
    published_version_get,
    version_diff,
    version_get_for_user,
    version_items,
    versions_of,
)


def published_index(request: HttpRequest) -> HttpResponse:
    page = paginate(request, published_lists())
    return render(request, "lists/published_index.html", {"page": page})


def version_page(request: HttpRequest, pk: int) -> HttpResponse:
    version = published_version_get(pk)
    published = versions_of(None, version.annual_list)  # the public sees published ones only
    earlier = [v for v in published if v.number < version.number]
    context = {
        "version": version,
        "annual_list": version.annual_list,
        "groups": groups(version_items(version)),
        "published": published,
        "current": published[-1],
        "previous": earlier[-1] if earlier else None,
        "can_manage": rules.can_manage_lists(request.user),
    }
    return render(request, "lists/version_page.html", context)


def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Two versions of a list side by side: published ones for anyone, any for the
    coordinator."""
    annual_list = annual_list_get_for_user(request.user, pk)
    versions = versions_of(request.user, annual_list)
    by_number = {v.number: v for v in versions}
    data: Mapping[str, str] | None = request.GET if "old" in request.GET else None
    if data is None and len(versions) >= 2:
        data = {"old": str(versions[-2].number), "new": str(versions[-1].number)}
    form = CompareForm(data, versions=versions)
    context: dict[str, object] = {"annual_list": annual_list, "form": form}
    if form.is_bound and form.is_valid():
        old, new = by_number[form.cleaned_data["old"]], by_number[form.cleaned_data["new"]]
        context.update(old=old, new=new, diff=version_diff(old, new))
    return render(request, "lists/compare.html", context)


def version_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_get_for_user(request.user, pk)
    return download(excel.version_xlsx(version), excel.file_name(version, "xlsx"), XLSX)


def version_docx(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_get_for_user(request.user, pk)
    return download(render_docx(version), excel.file_name(version, "docx"), DOCX)
