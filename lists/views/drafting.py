"""The coordinator's pages: the lists of every cycle, and the working page of a version where
its measures are chosen, ordered and edited."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.actors import Actor, AuthenticatedHttpRequest
from kernel.access import object_for, require
from kernel.actions import form_action
from lists import rules, selectors
from lists.authorities import ANNUAL_LIST_ISSUERS
from lists.errors import ListError
from lists.forms import CandidatesForm, ItemForm, ListCreateForm, OrderForm, VersionForm
from lists.models import ListVersion
from lists.selectors import (
    item_get_for_user,
    lists_overview,
    ranked_candidates,
    version_get_for_user,
    version_history,
    version_items,
    versions_of,
)
from lists.services import drafting as services
from proposals.models import Cycle

Check = Callable[[Any, ListVersion], bool]


def version_for(
    request: HttpRequest, pk: int, check: Check, *, posted: Check | None = None
) -> ListVersion:
    """404 when the user may not know the version exists, 403 when they may not act on it.

    `posted` is the state-free right a POST is checked with instead of `check`: the service
    checks the state under its lock and says what changed (published, sent for opinions)."""
    return object_for(request, version_get_for_user, pk, check, posted=posted)


def manages_version(user: Actor, version: ListVersion) -> bool:
    """`can_manage_lists`, the state-free part of every right on a version."""
    return rules.can_manage_lists(user)


@login_required
@require(rules.can_manage_lists)
def manage_index(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "lists/manage_index.html", {"cycles": lists_overview()})


@login_required
@require(rules.can_manage_lists)
def list_create(request: AuthenticatedHttpRequest, cycle_pk: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=cycle_pk)
    form = ListCreateForm(request.POST or None)
    if request.method == "GET":
        form = ListCreateForm(
            initial={
                "title": _("%(year)s annual list of comprehensive innovation reform measures")
                % {"year": cycle.year},
                # Carried forward: the ministries that called for the proposals publish the list.
                "issuing_authority": cycle.issuing_authorities or ANNUAL_LIST_ISSUERS,
            }
        )
    elif form.is_valid():
        try:
            version = services.list_create(cycle=cycle, by=request.user, **form.cleaned_data)
        except ListError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("List started. Choose its measures from the ranking."))
            return redirect("lists:workspace", version.pk)
    return render(request, "lists/list_form.html", {"form": form, "cycle": cycle})


def render_workspace(
    request: HttpRequest,
    version: ListVersion,
    *,
    order_form: OrderForm | None = None,
    candidates_form: CandidatesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    items = version_items(version)
    order_form = order_form or OrderForm(items=items)
    editable = rules.can_edit_list_version(user, version)
    ranking = ranked_candidates(version.annual_list.cycle, exclude=version) if editable else []
    ticked = set(request.POST.getlist("candidates")) if candidates_form else set()
    versions = versions_of(user, version.annual_list)
    latest = versions[-1]
    context = {
        "version": version,
        "annual_list": version.annual_list,
        "rows": [(item, order_form[f"item_{item.pk}"]) for item in items],
        "order_form": order_form,
        "ranking": [(row, str(row.candidate.pk) in ticked) for row in ranking],
        "candidates_form": candidates_form,
        "consultations": version.consultations.select_related("recorded_by"),
        "versions": versions,
        "previous": next((v for v in reversed(versions) if v.number < version.number), None),
        "entries": version_history(version),
        "can_edit": editable,
        "can_send": rules.can_send_list_for_opinions(user, version),
        "can_consult": rules.can_record_consultation(user, version),
        "can_publish": rules.can_publish_list_version(user, version),
        "can_discard": rules.can_discard_list_version(user, version),
        "can_revise": latest.pk == version.pk and rules.can_revise_list(user, latest),
    }
    return render(request, "lists/workspace.html", context, status=status)


@login_required
def workspace(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return render_workspace(request, version_for(request, pk, manages_version))


@login_required
def version_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    version = version_for(request, pk, rules.can_edit_list_version, posted=manages_version)
    title_fixed = version.annual_list.versions.filter(state=ListVersion.State.PUBLISHED).exists()
    form = VersionForm(request.POST or None, instance=version, title_fixed=title_fixed)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if title_fixed:
            data.pop("title")
        try:
            services.version_update(version=version, by=request.user, data=data)
        except ListError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Details saved."))
            return redirect("lists:workspace", version.pk)
    return render(request, "lists/version_form.html", {"form": form, "version": version})


@login_required
@require_POST
def items_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    version = version_for(request, pk, rules.can_edit_list_version, posted=manages_version)
    available = selectors.candidates_of_cycle(version.annual_list.cycle_id)
    form = CandidatesForm(request.POST, available=available)
    if form.is_valid():
        # In ranking order, whatever order the boxes were ticked in.
        chosen = {c.pk for c in form.cleaned_data["candidates"]}
        ranking = ranked_candidates(version.annual_list.cycle, exclude=version)
        ordered = [row.candidate for row in ranking if row.candidate.pk in chosen]
        # A second click, a colleague who added them first, or a version published meanwhile:
        # the ranking no longer offers the boxes, so the message goes above the page.
        if len(ordered) != len(chosen):
            messages.error(request, _("A candidate you ticked is already on this version."))
            return redirect("lists:workspace", version.pk)
        try:
            added = services.items_add(version=version, by=request.user, candidates=ordered)
        except ListError as exc:
            messages.error(request, exc.message)
            return redirect("lists:workspace", version.pk)
        messages.success(request, _("%(count)s measure(s) added.") % {"count": len(added)})
        return redirect("lists:workspace", version.pk)
    return render_workspace(request, version, candidates_form=form, status=400)


@login_required
@require_POST
def items_order(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    version = version_for(request, pk, rules.can_edit_list_version, posted=manages_version)
    form = OrderForm(request.POST, items=version_items(version))
    if form.is_valid():
        try:
            moved = services.items_reorder(version=version, by=request.user, numbers=form.numbers())
        except ListError as exc:
            # Published, or a measure removed, meanwhile: the numbers typed are no use now.
            messages.error(request, exc.message)
            return redirect("lists:workspace", version.pk)
        else:
            messages.success(request, _("Order saved; %(count)s moved.") % {"count": moved})
            return redirect("lists:workspace", version.pk)
    return render_workspace(request, version, order_form=form, status=400)


def _item_for(request: HttpRequest, pk: int) -> Any:
    """The measure; a POST is checked without the state of its version (the service says if
    it was published meanwhile)."""
    item = item_get_for_user(request.user, pk)
    right = manages_version if request.method == "POST" else rules.can_edit_list_version
    if not right(request.user, item.version):
        raise PermissionDenied
    return item


@login_required
def item_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _item_for(request, pk)
    form = ItemForm(request.POST or None, instance=item)
    if form_action(
        request,
        form,
        lambda: services.item_update(item=item, by=request.user, data=form.cleaned_data),
        _("Measure saved."),
    ):
        return redirect("lists:workspace", item.version_id)
    # The form was bound to the item: show the saved values beside the typed ones (unless a
    # colleague removed the measure meanwhile, which the form's message says).
    if selectors.item_exists(item.pk):
        item.refresh_from_db()
    return render(request, "lists/item_form.html", {"form": form, "item": item})


@login_required
def item_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = _item_for(request, pk)
    if request.method == "POST":
        try:
            services.item_remove(item=item, by=request.user)
        except ListError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Measure removed from this version."))
        return redirect("lists:workspace", item.version_id)
    return render(request, "lists/item_remove.html", {"item": item})
