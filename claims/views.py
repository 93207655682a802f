"""Pages of claiming; each fetches through a scoped selector and writes through a service."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.actors import Actor, AuthenticatedHttpRequest
from claims import documents, excel, rules, selectors, services
from claims.errors import ClaimError
from claims.forms import (
    ClaimantsForm,
    CloseForm,
    ClosingForm,
    ImportForm,
    IssueForm,
    ItemForm,
    NoticeCorrectionForm,
    OpenForm,
    ProgrammeEditForm,
    ProgrammeForm,
    ShortlistForm,
)
from claims.models import Claim, Programme
from kernel.access import object_for
from kernel.actions import form_action
from kernel.downloads import DOCX, XLSX, download

Check = Callable[[Any, Programme], bool]


def programme_for(
    request: HttpRequest, pk: int, check: Check, *, posted: Check | None = None
) -> Programme:
    """404 when the user may not know the programme exists, 403 when they may not act.

    `posted` is the state-free right a POST is checked with instead of `check`: the service
    checks the state under its lock and says what changed (opened, closed, notices issued)."""
    return object_for(request, selectors.programme_get_for_user, pk, check, posted=posted)


def manages_programme(user: Actor, programme: Programme) -> bool:
    """`can_manage_programmes`, the state-free part of every right on a programme."""
    return rules.can_manage_programmes(user)


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not rules.can_list_programmes(request.user):
        raise PermissionDenied
    context = {
        "programmes": selectors.programme_index(request.user),
        "can_create": rules.can_manage_programmes(request.user),
    }
    return render(request, "claims/index.html", context)


@login_required
def programme_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not rules.can_manage_programmes(request.user):
        raise PermissionDenied
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(by=request.user, **form.cleaned_data)
        except ClaimError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Programme created as a draft."))
            return redirect("claims:programme", programme.pk)
    return render(request, "claims/form.html", {"form": form, "heading": _("New programme")})


@login_required
def programme_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = request.user
    programme = selectors.programme_get_for_user(user, pk)
    claimant = selectors.own_claimant(user, programme)
    manage = rules.can_manage_programmes(user)
    items = selectors.programme_items(programme)
    context: dict[str, Any] = {
        "programme": programme,
        "categories": selectors.by_category(items),
        "claimant": claimant,
        "manage": manage,
        "can_edit": rules.can_edit_programme(user, programme),
        "can_move_closing": rules.can_move_closing_date(user, programme),
        "can_correct": roles.is_national(user),
        "can_set_claimants": rules.can_set_claimants(user, programme),
        "can_open": rules.can_open_programme(user, programme),
        "can_close": rules.can_close_programme(user, programme),
        "can_issue": rules.can_issue_notices(user, programme),
        "can_shortlist": rules.can_shortlist(user, programme),
        "shortlisted": selectors.is_shortlisted(programme),
        "window": selectors.window_of(programme),
        "newer": selectors.newer_list_version(programme),
        "can_move_version": rules.can_move_to_newer_version(user, programme),
    }
    if claimant is not None:
        mine = selectors.claimed_item_ids(claimant)
        context["mine"] = mine
        context["mine_count"] = len(mine)
        if programme.is_pilot:
            standing = selectors.shortlisting_of(claimant)
            for item in items:
                value = standing.get(item.pk, "")
                label = str(Claim.Shortlisting(value).label) if value else ""
                setattr(item, "standing", label)  # noqa: B010
            context["shortlisted_unit"] = selectors.is_shortlisted(programme) and any(
                value == Claim.Shortlisting.SHORTLISTED for value in standing.values()
            )
        context["can_claim"] = rules.can_claim(user, claimant)
        context["notice"] = selectors.notice_of(claimant)
    if manage:
        context["claimants"] = selectors.claimants_of(programme)
        context["participants"] = selectors.participants(programme)
        context["awaiting"] = selectors.awaiting_shortlisting(programme)
        context["notices"] = selectors.notices_of(programme)
        context["entries"] = selectors.programme_history(programme)
    return render(request, "claims/programme.html", context)


@login_required
@require_POST
def programme_move_version(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Draw the items again from the newest published version of the programme's list."""
    programme = programme_for(
        request, pk, rules.can_move_to_newer_version, posted=manages_programme
    )
    newer = selectors.newer_list_version(programme)
    if newer is None:
        messages.info(request, _("The programme is already on the newest version of its list."))
        return redirect("claims:programme", programme.pk)
    try:
        services.programme_move_to_version(
            programme=programme, by=request.user, version=newer.newer
        )
    except ClaimError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The programme now draws its items from version %(n)s of the list.")
            % {"n": newer.newer.number},
        )
    return redirect("claims:programme", programme.pk)


@login_required
def item_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = programme_for(request, pk, rules.can_edit_programme, posted=manages_programme)
    form = ItemForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda: services.item_add(programme=programme, by=request.user, **form.cleaned_data),
        _("Item added."),
    ):
        return redirect("claims:programme", programme.pk)
    context = {"form": form, "programme": programme, "heading": _("Add an item")}
    return render(request, "claims/form.html", context)


@login_required
def items_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = programme_for(request, pk, rules.can_edit_programme, posted=manages_programme)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rows = excel.read_items(form.cleaned_data["file"])
            items = services.items_import(programme=programme, by=request.user, rows=rows)
        except ValueError as exc:
            form.add_error("file", str(exc))
        except ClaimError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("%(count)s items imported.") % {"count": len(items)})
            return redirect("claims:programme", programme.pk)
    context = {
        "form": form,
        "programme": programme,
        "heading": _("Import items from Excel"),
        "multipart": True,
    }
    return render(request, "claims/form.html", context)


@login_required
def claimants(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = programme_for(request, pk, rules.can_set_claimants, posted=manages_programme)
    current = list(programme.claimants.all())
    initial = {
        "divisions": [c.division_id for c in current if c.division_id],
        "region_groups": [c.region_group_id for c in current if c.region_group_id],
    }
    form = ClaimantsForm(request.POST or None, initial=initial)
    if form_action(
        request,
        form,
        lambda: services.claimants_set(programme=programme, by=request.user, **form.cleaned_data),
        _("Eligible claimants saved."),
    ):
        return redirect("claims:programme", programme.pk)
    context = {"form": form, "programme": programme, "heading": _("Eligible claimants")}
    return render(request, "claims/form.html", context)


@login_required
def programme_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = programme_for(request, pk, rules.can_open_programme, posted=manages_programme)
    initial = {"opens_at": programme.opens_at, "closes_at": programme.closes_at}
    form = OpenForm(request.POST or None, initial=initial)
    if form_action(
        request,
        form,
        lambda: services.programme_open(programme=programme, by=request.user, **form.cleaned_data),
        _("Claims are open."),
    ):
        return redirect("claims:programme", programme.pk)
    context = {"form": form, "programme": programme, "heading": _("Open the claim window")}
    return render(request, "claims/form.html", context)


@login_required
def programme_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation page naming the claimants still below the minimum."""
    programme = programme_for(request, pk, rules.can_close_programme, posted=manages_programme)
    form = CloseForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda: services.programme_close(programme=programme, by=request.user, **form.cleaned_data),
        _("The claim window is closed."),
    ):
        return redirect("claims:programme", programme.pk)
    short = selectors.below_minimum(programme)
    context = {
        "form": form,
        "programme": programme,
        "short": short,
        "shortfall": services.shortfall_message(programme, short) if short else "",
    }
    return render(request, "claims/close.html", context)


@login_required
def results_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = programme_for(request, pk, rules.can_view_results)
    context = {"programme": programme, "results": selectors.results(programme)}
    return render(request, "claims/results.html", context)


@login_required
def results_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = programme_for(request, pk, rules.can_view_results)
    return download(excel.results_xlsx(programme), f"claims-{programme.pk}.xlsx", XLSX)


@login_required
def notices_issue(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The notices are handed down (下达, 发改高技〔2021〕484号 §三（三）) with the numbers the
    issuing office assigned, or numbered from the agency code."""
    programme = programme_for(request, pk, rules.can_issue_notices, posted=manages_programme)
    claimants = selectors.notice_claimants(programme)
    form = IssueForm(request.POST or None, claimants=claimants)
    if form_action(
        request,
        form,
        lambda: services.notices_issue(programme=programme, by=request.user, **form.service_data()),
        _("Task notices issued."),
    ):
        return redirect("claims:programme", programme.pk)
    addressed = [(c, documents.addressee(c)) for c in claimants]
    context = {"form": form, "programme": programme, "claimants": addressed}
    return render(request, "claims/issue.html", context)


@login_required
def shortlist(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The national level decides which applications of a zone pilot are shortlisted (入围)."""
    programme = programme_for(request, pk, rules.can_shortlist, posted=manages_programme)
    applications = selectors.applications(programme)
    form = ShortlistForm(request.POST or None, applications=applications)
    if form_action(
        request,
        form,
        lambda: services.applications_shortlist(
            programme=programme, by=request.user, **form.service_data()
        ),
        _("The shortlisting decisions are saved."),
    ):
        return redirect("claims:programme", programme.pk)
    context = {
        "form": form,
        "programme": programme,
        "heading": _("Shortlist the applications"),
        "intro": _(
            "Decide for each application whether it is shortlisted (入围); only the shortlisted "
            "ones become tasks when the task notices are handed down. The decisions are kept "
            "in the programme's history."
        ),
    }
    return render(request, "claims/form.html", context)


def _claim_target(request: HttpRequest, pk: int) -> tuple[Any, Any]:
    """The item and the user's claimant; a POST is checked without the state of the window
    (`speaks_for_claimant`): the service says if it closed meanwhile."""
    item, claimant = selectors.item_get_for_user(request.user, pk)
    right = rules.speaks_for_claimant if request.method == "POST" else rules.can_claim
    if not right(request.user, claimant):
        raise PermissionDenied
    return item, claimant


@login_required
@require_POST
def item_claim(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item, claimant = _claim_target(request, pk)
    try:
        services.item_claim(item=item, claimant=claimant, by=request.user)
    except ClaimError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Claimed: %(item)s") % {"item": item.title})
    return redirect("claims:programme", item.programme_id)


@login_required
def item_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation page: the place may be taken by another claimant meanwhile."""
    item, claimant = _claim_target(request, pk)
    if request.method == "POST":
        try:
            services.item_withdraw(item=item, claimant=claimant, by=request.user)
        except ClaimError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Claim withdrawn: %(item)s") % {"item": item.title})
        return redirect("claims:programme", item.programme_id)
    return render(request, "claims/withdraw.html", {"item": item, "claimant": claimant})


@login_required
def notice_docx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get_for_user(request.user, pk)
    return download(documents.notice_docx(notice), documents.file_name(notice), DOCX)


@login_required
def programme_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = programme_for(request, pk, rules.can_edit_programme, posted=manages_programme)
    initial = model_to_dict(programme, fields=services.PROGRAMME_FIELDS)
    form = ProgrammeEditForm(request.POST or None, initial=initial)
    if form_action(
        request,
        form,
        lambda: services.programme_update(
            programme=programme, by=request.user, **form.cleaned_data
        ),
        _("Programme saved."),
    ):
        return redirect("claims:programme", programme.pk)
    context = {"form": form, "programme": programme, "heading": _("Edit the programme")}
    return render(request, "claims/form.html", context)


@login_required
def programme_closing(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    programme = programme_for(request, pk, rules.can_move_closing_date, posted=manages_programme)
    form = ClosingForm(request.POST or None, initial={"closes_at": programme.closes_at})
    if form_action(
        request,
        form,
        lambda: services.programme_move_closing(
            programme=programme, by=request.user, closes_at=form.cleaned_data["closes_at"]
        ),
        _("The closing date is moved."),
    ):
        return redirect("claims:programme", programme.pk)
    context = {
        "form": form,
        "programme": programme,
        "heading": _("Move the closing date"),
        "intro": _("Claims opened on %(opens)s and close on %(closes)s.")
        % {"opens": programme.opens_at, "closes": programme.closes_at},
    }
    return render(request, "claims/form.html", context)


@login_required
def item_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET asks, POST removes)."""
    item = selectors.programme_item_get_for_user(request.user, pk)
    programme = programme_for(
        request, item.programme_id, rules.can_edit_programme, posted=manages_programme
    )
    if request.method == "POST":
        try:
            services.item_remove(item=item, by=request.user)
        except ClaimError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Item removed: %(item)s") % {"item": item.title})
        return redirect("claims:programme", programme.pk)
    return render(request, "claims/item_remove.html", {"item": item, "programme": programme})


@login_required
def notice_correct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get_for_user(request.user, pk)
    if not rules.can_correct_notice(request.user, notice):
        raise PermissionDenied
    initial = model_to_dict(notice, fields=["doc_number", "issued_on"])
    form = NoticeCorrectionForm(request.POST or None, initial=initial)
    if form_action(
        request,
        form,
        lambda: services.notice_correct(notice=notice, by=request.user, **form.cleaned_data),
        _("The task notice is corrected."),
    ):
        return redirect("claims:programme", notice.programme_id)
    context = {
        "form": form,
        "programme": notice.programme,
        "heading": _("Correct task notice %(number)s") % {"number": notice.doc_number},
        "intro": _("Addressed to %(claimant)s. The reason is kept in the programme's history.")
        % {"claimant": notice.claimant},
    }
    return render(request, "claims/form.html", context)
