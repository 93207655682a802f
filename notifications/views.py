"""A user's messages: the list (unread first), marking read, and the list as a workbook."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.actors import AuthenticatedHttpRequest
from kernel.downloads import download
from kernel.forms import FilterForm
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import table_bytes
from notifications import selectors, services
from notifications.models import Notification


class NotificationFilterForm(FilterForm):
    q = forms.CharField(label=gettext_lazy("Search"), required=False)
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[
            ("", "---------"),
            (selectors.UNREAD, gettext_lazy("unread")),
            (selectors.READ, gettext_lazy("read")),
        ],
    )


def _safe(request: HttpRequest, url: str) -> bool:
    """Only paths of this site are followed: a message never leads elsewhere."""
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def _back(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if _safe(request, target):
        return HttpResponseRedirect(target)
    return redirect("notifications:index")


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = NotificationFilterForm(request.GET or None)
    page = paginate(request, selectors.notification_list(request.user, filters.params()))
    rows = [(note, note.url if _safe(request, note.url) else "") for note in page.object_list]
    context: dict[str, Any] = {
        "filters": filters,
        "page": page,
        "rows": rows,
        "querystring": querystring_without_page(request),
        "export_query": request.GET.urlencode(),
        "unread": selectors.unread_count(request.user),
    }
    return render(request, "notifications/index.html", context)


@login_required
@require_POST
def mark_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    note = selectors.notification_get_for_user(request.user, pk)
    services.notification_mark_read(notification=note, by=request.user)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(by=request.user)
    messages.success(
        request,
        ngettext("%(count)s message marked as read.", "%(count)s messages marked as read.", count)
        % {"count": count},
    )
    return _back(request)


def _row(note: Notification) -> list[Any]:
    received = timezone.localtime(note.created_at).strftime("%Y-%m-%d %H:%M")
    read = timezone.localtime(note.read_at).strftime("%Y-%m-%d %H:%M") if note.read_at else ""
    return [note.subject, note.body, received, read]


@login_required
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = NotificationFilterForm(request.GET or None)
    notes = selectors.notification_list(request.user, filters.params())
    headers = [_("Subject"), _("Message"), _("Received"), _("Read")]
    content = table_bytes(_("Messages"), headers, (_row(n) for n in notes.iterator()))
    return download(content, "messages.xlsx")
