"""Pages of promotion batches (推广批次): the public list, a batch with its measures (filters,
search, .xlsx export), a measure's page; and the national level's drafting of a new batch from
confirmed outcomes — start, pick outcomes, edit or remove measures, publish (confirmation
page), discard a draft — and the notice drafted for submission (.docx).

A published batch is public; a draft is the national level's alone (404 for anybody else). An
action the user may not take is 403."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.actors import AuthenticatedHttpRequest
from evaluation.models import Outcome
from kernel.access import object_for, require
from kernel.actions import form_action
from kernel.downloads import DOCX, download, stamp
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import table_bytes, xlsx_response
from promotion import documents, rules
from promotion.forms.batches import (
    ConfirmForm,
    MeasureFilterForm,
    MeasureForm,
    OutcomeFilterForm,
    PublishForm,
)
from promotion.models import PromotedMeasure, PromotionBatch
from promotion.selectors import batches as reads
from promotion.services import batches as services
from promotion.services.records import PromotionError


def related_links(user: Any, batch: PromotionBatch) -> list[tuple[str, str]]:
    """(label, url) of the batch's guidance and seminars, for the users who may open them
    (`rules.GUIDANCE`, `rules.SEMINARS`); a draft has neither yet."""
    if batch.state != PromotionBatch.State.PUBLISHED:
        return []
    links = []
    query = f"?batch={batch.pk}"
    if rules.GUIDANCE.filter_for(user) is not None:
        links.append(
            (_("Guidance and training for this batch"), reverse("promotion:guidance") + query)
        )
    if rules.SEMINARS.filter_for(user) is not None:
        links.append((_("Exchange seminars of this batch"), reverse("promotion:seminars") + query))
    return links


def can_edit(user: Any, batch: PromotionBatch) -> bool:
    """The national level, while the batch is a draft (publishing freezes it)."""
    return rules.manages_promotion(user) and batch.state == PromotionBatch.State.DRAFT


def manages(user: Any, batch: PromotionBatch) -> bool:
    """`can_edit` without the state: a POST is checked with it, and the service says what
    changed meanwhile."""
    return rules.manages_promotion(user)


# The public pages ----------------------------------------------------------------------------


def batch_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, reads.batches_visible_to(request.user))
    manager = rules.manages_promotion(request.user)
    context = {
        "page": page,
        "querystring": querystring_without_page(request),
        "can_manage": manager,
        "draft": reads.open_draft() if manager else None,
    }
    return render(request, "promotion/batch_list.html", context)


def _measure_filters(request: HttpRequest, batch: PromotionBatch) -> MeasureFilterForm:
    return MeasureFilterForm(request.GET or None, fields=reads.batch_fields(batch))


def batch_page(request: HttpRequest, pk: int) -> HttpResponse:
    batch = reads.batch_get_for_user(request.user, pk)
    filters = _measure_filters(request, batch)
    page = paginate(request, reads.batch_measures(batch, filters.params()))
    context = {
        "batch": batch,
        "reference": reads.is_reference(batch),
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "can_edit": can_edit(request.user, batch),
        "can_manage": rules.manages_promotion(request.user),
        "links": related_links(request.user, batch),
    }
    return render(request, "promotion/batch_page.html", context)


def batch_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    batch = reads.batch_get_for_user(request.user, pk)
    measures = reads.batch_measures(batch, _measure_filters(request, batch).params())
    reference = reads.is_reference(batch)
    unknown = _("Not stated in the sources") if reference else ""
    headers = [
        _("No."),
        _("Field"),
        _("Title"),
        _("Title status"),
        _("Where it applies"),
        _("Origin"),
        _("How the origin is known"),
        _("Text"),
        _("Source"),
    ]
    rows = (
        [
            m.position,
            m.field or unknown,
            m.title or (_("Title not seen in the sources") if reference else ""),
            m.get_title_status_display(),
            m.get_scope_display(),
            m.origin or unknown,
            m.origin_basis,
            m.text,
            m.source,
        ]
        for m in measures
    )
    content = table_bytes(_("Measures"), headers, rows)
    return xlsx_response(content, f"batch-{batch.number}-measures-{stamp()}.xlsx")


def measure_page(request: HttpRequest, pk: int) -> HttpResponse:
    measure = reads.measure_get_for_user(request.user, pk)
    context = {
        "measure": measure,
        "batch": measure.batch,
        "reference": reads.is_reference(measure.batch),
        "regions": list(measure.origin_regions.order_by("pk")),
        "sources": [s.strip() for s in measure.source.split("|") if s.strip()],
        "can_edit": can_edit(request.user, measure.batch),
        "can_write_case": rules.manages_promotion(request.user)
        and measure.batch.state == PromotionBatch.State.PUBLISHED,
        **reads.measure_origin(request.user, measure),
    }
    return render(request, "promotion/measure_page.html", context)


# Drafting a new batch (the national level) ---------------------------------------------------


@login_required
@require(rules.manages_promotion)
@require_POST
def batch_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        batch = services.batch_start(by=request.user)
    except PromotionError as exc:
        messages.error(request, exc.message)
        draft = reads.open_draft()
        return redirect("promotion:batch", draft.pk) if draft else redirect("promotion:batches")
    messages.success(request, _("Draft batch started. Add confirmed outcomes to it as measures."))
    return redirect("promotion:batch_pick", batch.pk)


def _draft_for(request: AuthenticatedHttpRequest, pk: int) -> PromotionBatch | HttpResponse:
    """The batch for a drafting step: 404 outside the user's scope, 403 without the right; a
    published one (a colleague published it, an old link) leads to its page, which says so."""
    batch = object_for(request, reads.batch_get_for_user, pk, manages)
    if request.method != "POST" and not can_edit(request.user, batch):
        messages.info(request, _("This batch is published and can no longer be changed."))
        return redirect("promotion:batch", batch.pk)
    return batch


def _measure_for(request: AuthenticatedHttpRequest, pk: int) -> PromotedMeasure | HttpResponse:
    measure = object_for(request, reads.measure_get_for_user, pk, lambda u, m: manages(u, m.batch))
    if request.method != "POST" and not can_edit(request.user, measure.batch):
        messages.info(request, _("This batch is published and can no longer be changed."))
        return redirect("promotion:measure", measure.pk)
    return measure


@login_required
def batch_pick(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The confirmed outcomes, to tick those the batch promotes (already promoted ones are
    flagged with their batch)."""
    batch = _draft_for(request, pk)
    if isinstance(batch, HttpResponse):
        return batch
    filters = OutcomeFilterForm(request.GET or None)
    if request.method == "POST":
        ids = sorted({int(v) for v in request.POST.getlist("outcomes") if v.isdigit()})
        try:
            made = services.batch_add_outcomes(
                by=request.user, batch=batch, outcomes=Outcome.objects.filter(pk__in=ids)
            )
        except PromotionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(count)s measures added. Check each one, then publish the batch.")
                % {"count": len(made)},
            )
            return redirect("promotion:batch", batch.pk)
    page = paginate(request, reads.confirmed_outcomes(filters.params()))
    context = {
        "batch": batch,
        "filters": filters,
        "page": page,
        "querystring": querystring_without_page(request),
        "in_batch": set(batch.measures.exclude(outcome=None).values_list("outcome_id", flat=True)),
    }
    return render(request, "promotion/batch_pick.html", context)


@login_required
def measure_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    measure = _measure_for(request, pk)
    if isinstance(measure, HttpResponse):
        return measure
    initial = {
        "title": measure.title,
        "field": measure.field,
        "scope": measure.scope,
        "text": measure.text,
        "origin": measure.origin,
    }
    form = MeasureForm(request.POST or None, initial=initial)
    if form_action(
        request,
        form,
        lambda: services.measure_update(
            by=request.user, measure=measure, data=form.data_for_service()
        ),
        _("Measure saved."),
    ):
        return redirect("promotion:batch", measure.batch_id)
    return render(request, "promotion/measure_form.html", {"form": form, "measure": measure})


@login_required
def measure_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET), then the removal (POST)."""
    measure = _measure_for(request, pk)
    if isinstance(measure, HttpResponse):
        return measure
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if form_action(
        request,
        form,
        lambda: services.measure_remove(by=request.user, measure=measure),
        _("Measure removed from the batch."),
    ):
        return redirect("promotion:batch", measure.batch_id)
    return render(request, "promotion/measure_remove.html", {"form": form, "measure": measure})


@login_required
def batch_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The notice's number, title and date, on a page that says what publishing does."""
    batch = _draft_for(request, pk)
    if isinstance(batch, HttpResponse):
        return batch
    form = PublishForm(request.POST or None, initial={"title": documents.notice_title(batch)})
    if form_action(
        request,
        form,
        lambda: services.batch_publish(by=request.user, batch=batch, data=form.data_for_service()),
        _("Batch published. The provinces and the localities behind its outcomes were told."),
    ):
        return redirect("promotion:batch", batch.pk)
    context = {
        "form": form,
        "batch": batch,
        "measures": batch.measures.order_by("position"),
    }
    return render(request, "promotion/batch_publish.html", context)


@login_required
def batch_discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = _draft_for(request, pk)
    if isinstance(batch, HttpResponse):
        return batch
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if form_action(
        request,
        form,
        lambda: services.batch_discard(by=request.user, batch=batch),
        _("Draft batch discarded."),
    ):
        return redirect("promotion:batches")
    return render(request, "promotion/batch_discard.html", {"form": form, "batch": batch})


@login_required
@require(rules.manages_promotion)
def batch_notice(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The notice drafted for submission (通知代拟稿), for the national level."""
    batch = reads.batch_get_for_user(request.user, pk)
    return download(documents.notice_docx(batch), documents.file_name(batch), DOCX)
