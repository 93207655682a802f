"""The expert pool (专家库): the national coordinator's list, export, create and edit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import AuthenticatedHttpRequest
from audit.selectors import entries_for
from kernel.access import require
from kernel.downloads import download
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters
from review import excel, rules
from review.errors import ReviewError
from review.forms import ExpertFilterForm, ExpertProfileForm
from review.selectors import (
    expert_list,
    expert_profile_get_for_user,
    expert_users_without_profile,
    latest_review_cycle,
)
from review.services import experts as services


@login_required
@require(rules.can_manage_expert_pool)
def expert_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = ExpertFilterForm(request.GET or None)
    cycle = latest_review_cycle()
    page = paginate(request, expert_list(request.user, filters.params(), cycle))
    context = {
        "filters": filters,
        "page": page,
        "cycle": cycle,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "review/expert_list.html", context)


@login_required
@require(rules.can_manage_expert_pool)
def expert_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The filtered pool; a pool is hundreds of people, small enough to send at once."""
    form = ExpertFilterForm(request.GET or None)
    profiles = expert_list(request.user, form.params(), latest_review_cycle())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    content = excel.experts_bytes(profiles, form_filters(form))
    return download(content, f"experts-{stamp}.xlsx")


@login_required
@require(rules.can_manage_expert_pool)
def expert_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ExpertProfileForm(request.POST or None, users=expert_users_without_profile())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.expert_profile_create(by=request.user, user=data["user"], data=data)
        except ReviewError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Expert added to the pool."))
            return redirect("review:expert_list")
    return render(request, "review/expert_form.html", {"form": form})


@login_required
@require(rules.can_manage_expert_pool)
def expert_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    profile = expert_profile_get_for_user(request.user, pk)
    form = ExpertProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        profile.refresh_from_db()
        try:
            services.expert_profile_update(profile=profile, by=request.user, data=form.cleaned_data)
        except ReviewError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Expert profile saved."))
            return redirect("review:expert_list")
    context = {"form": form, "profile": profile, "entries": entries_for(profile)}
    return render(request, "review/expert_form.html", context)
