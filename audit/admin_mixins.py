from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from audit.services import record


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, models.QuerySet | list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _admin(request: HttpRequest) -> Any:
    """The signed-in staff user of an admin page (the admin lets nobody else in)."""
    assert request.user.is_authenticated
    return request.user


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits go into the same audit trail as the app's own writes."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changes = {
            name: [
                _plain(form.initial.get(name)) if change else None,
                _plain(form.cleaned_data.get(name)),
            ]
            for name in form.changed_data
            if "password" not in name
        }
        if any("password" in name for name in form.changed_data):
            changes["password"] = ["***", "***"]  # never the hash or the password itself
        label = obj._meta.model_name
        record(
            f"{label}.{'updated' if change else 'created'}",
            obj=obj,
            by=_admin(request),
            changes=changes,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record(f"{obj._meta.model_name}.deleted", obj=obj, by=_admin(request))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            record(f"{obj._meta.model_name}.deleted", obj=obj, by=_admin(request))
        super().delete_queryset(request, queryset)
