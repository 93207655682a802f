"""What every API resource shares: the UI's scope and rights, applied the UI's way.

A resource names the functions its pages use, never a rule of its own:

    class ProposalViewSet(ScopedViewSet):
        serializer_class = ProposalSerializer
        list_right = proposals_rules.can_list_proposals   # the list page's `require` (403)
        view_right = proposals_rules.can_view_proposal    # the detail page's check (403)

        def visible(self, user):                          # the list page's selector
            return proposals_selectors.proposals_visible_to(user)

        def fetch(self, user, pk):                        # the detail page's fetch (404)
            return proposals_selectors.proposal_get_for_user(user, pk)

So a request is refused exactly as the page is: 401 without credentials, 403 when the user
may not open the list at all or sees the object but may not act, 404 when the user may not know
the object exists. A write (`@action`) fetches with `self.object_for(pk, right)` and calls the
UI's service, which checks the right again and raises `Forbidden` (403) or a stage's
`DomainError`: the API answers the latter 409 with its translated message (`exception_handler`).

Lists take `?page=` and `?page_size=` (`api.pagination`); a resource's `filters` maps a query
parameter to a queryset filter and `search_fields` are searched with `?search=`, declared in
the schema with `filter_parameters` and `search_parameter`. A resource anyone may read (the
published lists) sets `permission_classes = [PublicRead]`. Bodies are validated by a serializer
(`request_data`) and, where the page has one, by the page's own form, whose errors answer 400.
"""

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kernel.errors import DomainError, Forbidden


class RuleBroken(exceptions.APIException):
    """A rule of the process refused the write in the object's present state (the UI shows
    the same message on its form): 409 Conflict."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The action is not possible in the present state.")
    default_code = "rule_broken"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus the stages' `DomainError` as 409 with its message. (`Forbidden`,
    Django's `PermissionDenied`, and `Http404` are DRF's 403 and 404 already.)"""
    if isinstance(exc, DomainError):
        exc = RuleBroken(exc.message)
    return drf_exception_handler(exc, context)


class Filter:
    """A query parameter of a list: `?state=submitted` → `queryset.filter(state="submitted")`."""

    def __init__(
        self, lookup: str, description: str, *, type: type = str, enum: list[str] | None = None
    ) -> None:
        self.lookup = lookup
        self.description = description
        self.type = type
        self.enum = enum

    def apply(self, queryset: QuerySet[Any], raw: str) -> QuerySet[Any]:
        value: Any = raw
        if self.type is int:
            try:
                value = int(raw)
            except ValueError:
                raise exceptions.ValidationError(
                    {"detail": _("A whole number is expected.")}
                ) from None
        if self.type is bool:
            value = raw.lower() in ("1", "true", "yes")
        if self.enum is not None and raw not in self.enum:
            raise exceptions.ValidationError({"detail": _("Not one of the allowed values.")})
        return queryset.filter(**{self.lookup: value})


def filter_parameters(filters: dict[str, Filter]) -> list[OpenApiParameter]:
    """The schema's description of a resource's filters (for `extend_schema(parameters=…)`)."""
    return [
        OpenApiParameter(name, f.type, description=str(f.description), enum=f.enum)
        for name, f in filters.items()
    ]


class ScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A read-only resource within the user's scope (see the module's docstring)."""

    lookup_value_converter = "int"  # /api/tasks/x/ is no route at all, as on the pages
    list_right: ClassVar[Callable[[Any], bool] | None] = None
    view_right: ClassVar[Callable[[Any, Any], bool] | None] = None
    filters: ClassVar[dict[str, Filter]] = {}
    # Searched with `?search=` (icontains on each field, any of them).
    search_fields: ClassVar[tuple[str, ...]] = ()

    def visible(self, user: Any) -> QuerySet[Any]:
        raise NotImplementedError

    def fetch(self, user: Any, pk: int) -> Any:
        """The object, or Http404 outside the user's scope. By default: within `visible`."""
        return get_object_or_404(self.visible(user), pk=pk)

    def check_list_right(self) -> None:
        right = _inherited(self, "list_right")
        if right is not None and not right(self.request.user):
            raise Forbidden

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator, no user
            return self.get_serializer_class().Meta.model.objects.none()
        self.check_list_right()
        queryset = self.visible(self.request.user)
        for name, flt in self.filters.items():
            raw = self.request.query_params.get(name)
            if raw not in (None, ""):
                queryset = flt.apply(queryset, raw)
        term = self.request.query_params.get("search", "").strip()
        if term and self.search_fields:
            query = Q()
            for name in self.search_fields:
                query |= Q(**{f"{name}__icontains": term})
            queryset = queryset.filter(query)
        return queryset

    def get_object(self) -> Any:
        return self.object_for(self.kwargs["pk"], _inherited(self, "view_right"))

    def object_for(self, pk: Any, right: Callable[[Any, Any], bool] | None) -> Any:
        """`fetch` (404 outside the scope), then 403 unless `right` (kernel.access.object_for)."""
        try:
            key = int(pk)
        except (TypeError, ValueError):
            raise Http404 from None
        obj = self.fetch(self.request.user, key)
        if right is not None and not right(self.request.user, obj):
            raise Forbidden
        return obj

    def answer(self, obj: Model, code: int = status.HTTP_200_OK, **kwargs: Any) -> Response:
        """The object as the resource shows it (after a write)."""
        return Response(self.get_serializer(obj, **kwargs).data, status=code)

    def request_data(self, serializer_class: Any) -> dict[str, Any]:
        """The request's body, validated by `serializer_class` (400 with the field errors)."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


def _inherited(view: Any, name: str) -> Any:
    # A plain function stored on a class becomes a method when read from an instance: read
    # it from the class's dict to get the function itself.
    for klass in type(view).__mro__:
        if name in klass.__dict__:
            value = klass.__dict__[name]
            return value.__func__ if isinstance(value, staticmethod) else value
    return None


def search_parameter() -> OpenApiParameter:
    return OpenApiParameter("search", str, description=str(_("Text searched in the list.")))


class ReasonSerializer(serializers.Serializer):
    """The reason a write asks for (a return, an undone merge), as on the page's form."""

    reason = serializers.CharField(max_length=2000)


class PublicRead(BasePermission):
    """Reading needs no login (a public page: the published lists), writing does (401)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in SAFE_METHODS or bool(
            request.user and request.user.is_authenticated
        )
