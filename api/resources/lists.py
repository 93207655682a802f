"""Annual lists (年度清单), their versions and measures over the API: the public pages of
`lists.views.public` (published versions, open to anyone, anonymous included) and, for the
national level, the unpublished versions of its workspace. Measures are edited and removed,
and a version published, through `lists.services`; a published version never changes (409)."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from api.base import Filter, PublicRead, ScopedViewSet, filter_parameters
from lists import rules
from lists.forms import ItemForm, PublishForm
from lists.models import AnnualList, ListItem, ListVersion
from lists.selectors import (
    annual_list_get_for_user,
    item_get_for_user,
    version_get_for_user,
    versions_visible_to,
)
from lists.services import drafting, publishing


def manages_lists(user: Any, obj: Any) -> bool:
    """`can_manage_lists`, the state-free part of every right on a version (as the pages
    check a POST: the service says when the version was published meanwhile)."""
    return rules.can_manage_lists(user)


class ListItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ListItem
        fields = [
            "id",
            "version",
            "position",
            "candidate",
            "title",
            "field",
            "content",
            "ministries",
        ]
        read_only_fields = fields


class VersionSerializer(serializers.ModelSerializer):
    list_title = serializers.CharField(source="annual_list.title", read_only=True)
    cycle = serializers.IntegerField(source="annual_list.cycle_id", read_only=True)

    class Meta:
        model = ListVersion
        fields = [
            "id",
            "annual_list",
            "list_title",
            "cycle",
            "number",
            "state",
            "issuing_authority",
            "doc_number",
            "preamble",
            "issued_on",
            "change_note",
            "published_at",
        ]
        read_only_fields = fields


class VersionDetailSerializer(VersionSerializer):
    items = ListItemSerializer(many=True, read_only=True)

    class Meta(VersionSerializer.Meta):
        fields = [*VersionSerializer.Meta.fields, "items"]
        read_only_fields = fields


class AnnualListSerializer(serializers.ModelSerializer):
    class Meta:
        model = AnnualList
        fields = ["id", "cycle", "title", "created_at"]
        read_only_fields = fields


class ItemWriteSerializer(serializers.Serializer):
    """The measure form's fields (`ItemForm` validates them)."""

    title = serializers.CharField(max_length=200)
    field = serializers.IntegerField()
    content = serializers.CharField()
    ministries = serializers.CharField(required=False, allow_blank=True, max_length=300)


class PublishSerializer(serializers.Serializer):
    issuing_authority = serializers.CharField(max_length=100)
    doc_number = serializers.CharField(max_length=60)
    issued_on = serializers.DateField()
    no_consultation_reason = serializers.CharField(required=False, allow_blank=True)


@extend_schema(tags=["lists"])
class AnnualListViewSet(ScopedViewSet):
    """The annual lists: those with a published version for anyone; every list for the
    national level (`lists.rules.ANNUAL_LISTS`)."""

    serializer_class = AnnualListSerializer
    permission_classes = [PublicRead]

    def visible(self, user: Any) -> QuerySet[AnnualList]:
        found = rules.ANNUAL_LISTS.queryset(user).values("pk")
        return AnnualList.objects.filter(pk__in=found).order_by("-cycle__year", "-id")

    def fetch(self, user: Any, pk: int) -> AnnualList:
        return annual_list_get_for_user(user, pk)


VERSION_FILTERS = {
    "annual_list": Filter("annual_list_id", "Annual list id", type=int),
    "state": Filter("state", "State", enum=list(ListVersion.State.values)),
}


@extend_schema(tags=["lists"])
class ListVersionViewSet(ScopedViewSet):
    """Versions of the lists: the published ones for anyone, every one for the national level
    (`lists.rules.VERSIONS`); a version's page lists its measures."""

    serializer_class = VersionSerializer
    permission_classes = [PublicRead]
    filters = VERSION_FILTERS

    def get_serializer_class(self) -> Any:
        return VersionDetailSerializer if self.action != "list" else VersionSerializer

    def visible(self, user: Any) -> QuerySet[ListVersion]:
        return versions_visible_to(user).order_by("-annual_list__cycle__year", "-number")

    def fetch(self, user: Any, pk: int) -> ListVersion:
        version = version_get_for_user(user, pk)
        items = ListItem.objects.order_by("position", "id")
        found = ListVersion.objects.filter(pk=version.pk).select_related("annual_list")
        return found.prefetch_related(Prefetch("items", queryset=items)).get()

    @extend_schema(parameters=filter_parameters(VERSION_FILTERS))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PublishSerializer, responses={200: VersionDetailSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        """The version published (公布): public from now on, never changed again."""
        version = self.object_for(pk, manages_lists)
        body = self.request_data(PublishSerializer)
        form = PublishForm(body, consulted=version.consultations.exists())
        if not form.is_valid():
            raise serializers.ValidationError(form.errors.get_json_data())
        publishing.version_publish(version=version, by=request.user, **form.cleaned_data)
        return self.answer(self.fetch(request.user, version.pk))


ITEM_FILTERS = {"version": Filter("version_id", "List version id", type=int)}


@extend_schema(tags=["lists"])
class ListItemViewSet(ScopedViewSet):
    """The measures of the versions the user sees (`lists.rules.ITEMS`); those of a version
    not yet published are edited and removed by the national level."""

    serializer_class = ListItemSerializer
    permission_classes = [PublicRead]
    filters = ITEM_FILTERS

    def visible(self, user: Any) -> QuerySet[ListItem]:
        return rules.ITEMS.queryset(user).order_by("version_id", "position", "id")

    def fetch(self, user: Any, pk: int) -> ListItem:
        return item_get_for_user(user, pk)

    @extend_schema(parameters=filter_parameters(ITEM_FILTERS))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ItemWriteSerializer, responses={200: ListItemSerializer})
    def update(self, request: Request, pk: str) -> Response:
        """The measure's wording (a version not yet published)."""
        item = self.object_for(pk, lambda user, obj: manages_lists(user, obj.version))
        form = ItemForm(self.request_data(ItemWriteSerializer), instance=item)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors.get_json_data())
        drafting.item_update(item=item, by=request.user, data=form.cleaned_data)
        return self.answer(item_get_for_user(request.user, item.pk))

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        """The measure taken off its version (a version not yet published)."""
        item = self.object_for(pk, lambda user, obj: manages_lists(user, obj.version))
        drafting.item_remove(item=item, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router: SimpleRouter) -> None:
    router.register("lists", AnnualListViewSet, basename="annual-list")
    router.register("list-versions", ListVersionViewSet, basename="list-version")
    router.register("list-items", ListItemViewSet, basename="list-item")
