"""A user's messages: the list (unread first), marking read, and the list as a workbook."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.actors import AuthenticatedHttpRequest
from accounts.models import User
from kernel.downloads import download
from kernel.forms import FilterForm
from kernel.pages import paginate, querystring_without_page
from kernel.spreadsheets import form_filters, table_bytes
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


class EmailChoiceForm(forms.Form):
    email_choice = forms.ChoiceField(
        label=gettext_lazy("Messages by e-mail"),
        choices=User.EmailChoice.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "The daily digest, sent once a day around 08:00, is the platform's default "
            "(平台规则). Messages always appear on this page."
        ),
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
        "email_form": EmailChoiceForm(initial={"email_choice": request.user.email_choice}),
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


@login_required
@require_POST
def email_choice(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EmailChoiceForm(request.POST)
    if form.is_valid():
        services.email_choice_set(
            user=request.user, choice=form.cleaned_data["email_choice"], by=request.user
        )
        messages.success(request, _("Your choice of e-mails was saved."))
    return redirect("notifications:index")


def _row(note: Notification) -> list[Any]:
    received, read = note.created_at, note.read_at
    return [note.subject, note.body, received, read]


@login_required
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = NotificationFilterForm(request.GET or None)
    notes = selectors.notification_list(request.user, filters.params())
    headers = [_("Subject"), _("Message"), _("Received"), _("Read")]
    rows = (_row(n) for n in notes.iterator())
    content = table_bytes(_("Messages"), headers, rows, filters=form_filters(filters))
    return download(content, "messages.xlsx")
