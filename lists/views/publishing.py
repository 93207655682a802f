"""Sending a version for opinions, recording the consultations, publishing, revising and
discarding."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.actors import AuthenticatedHttpRequest
from kernel.actions import form_action
from lists import rules
from lists.authorities import ANNUAL_LIST_ISSUERS
from lists.errors import ListError
from lists.forms import ConsultationForm, PublishForm, ReviseForm
from lists.models import ListVersion
from lists.selectors import (
    annual_list_get_for_user,
    consultation_get_for_user,
    latest_version,
)
from lists.services import publishing as services
from lists.views.drafting import manages_version, version_for


@login_required
@require_POST
def send_for_opinions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    version = version_for(request, pk, rules.can_send_list_for_opinions, posted=manages_version)
    try:
        services.version_send_for_opinions(version=version, by=request.user)
    except ListError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Out for opinions. Record each department asked, and its answer.")
        )
    return redirect("lists:workspace", version.pk)


@login_required
def consultation_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    version = version_for(request, pk, rules.can_record_consultation, posted=manages_version)
    form = ConsultationForm(request.POST or None)
    if form_action(
        request,
        form,
        lambda: services.consultation_record(version=version, by=request.user, **form.cleaned_data),
        _("Consultation recorded."),
    ):
        return redirect("lists:workspace", version.pk)
    return render(request, "lists/consultation_form.html", {"form": form, "version": version})


@login_required
def consultation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    consultation = consultation_get_for_user(request.user, pk)
    version = consultation.version
    right = manages_version if request.method == "POST" else rules.can_record_consultation
    if not right(request.user, version):
        raise PermissionDenied
    form = ConsultationForm(request.POST or None, instance=consultation)
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_update(
                consultation=consultation, by=request.user, data=form.cleaned_data
            )
        except ListError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Consultation saved."))
            return redirect("lists:workspace", version.pk)
    context = {"form": form, "version": version, "consultation": consultation}
    return render(request, "lists/consultation_form.html", context)


@login_required
def publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A confirmation page: what will be published, the departments consulted (or the reason
    for publishing without them), and the document's number and date."""
    version = version_for(request, pk, rules.can_publish_list_version, posted=manages_version)
    consultations = list(version.consultations.all())
    form = PublishForm(
        request.POST or None,
        initial={
            "issuing_authority": version.issuing_authority or ANNUAL_LIST_ISSUERS,
            "doc_number": version.doc_number,
            "issued_on": version.issued_on,
        },
        consulted=bool(consultations),
    )
    if form_action(
        request,
        form,
        lambda: services.version_publish(version=version, by=request.user, **form.cleaned_data),
        _("Published. The list is now public."),
    ):
        return redirect("lists:version_page", version.pk)
    context = {
        "form": form,
        "version": version,
        "item_count": version.items.count(),
        "consultations": consultations,
    }
    return render(request, "lists/publish.html", context)


@login_required
def revise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    annual_list = annual_list_get_for_user(request.user, pk)
    latest = latest_version(annual_list)
    if request.method == "POST":
        # Without the state: a second click is told a revision is already open.
        allowed = rules.can_manage_lists(request.user)
    else:
        allowed = latest is not None and rules.can_revise_list(request.user, latest)
    if not allowed:
        raise PermissionDenied
    form = ReviseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.list_revise(
                annual_list=annual_list, by=request.user, **form.cleaned_data
            )
        except ListError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Revision drafted from the published version."))
            return redirect("lists:workspace", version.pk)
    context = {"form": form, "annual_list": annual_list, "latest": latest}
    return render(request, "lists/revise.html", context)


@login_required
def discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    version = version_for(request, pk, rules.can_discard_list_version, posted=manages_version)
    if request.method == "POST":
        try:
            remaining = services.version_discard(version=version, by=request.user)
        except ListError as exc:
            messages.error(request, exc.message)
            if ListVersion.objects.filter(pk=version.pk).exists():
                return redirect("lists:workspace", version.pk)
            return redirect("lists:manage")  # discarded by a colleague meanwhile
        messages.success(request, _("Draft discarded."))
        latest = latest_version(remaining) if remaining else None
        return redirect("lists:workspace", latest.pk) if latest else redirect("lists:manage")
    return render(request, "lists/discard.html", {"version": version})
