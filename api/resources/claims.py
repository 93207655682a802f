"""Programmes (揭榜挂帅) and claims over the API: the programme list and page of
`claims.views`, the claimant's claim and withdrawal and the coordinator's closing of the
window, through `claims.services` (the claim is the same race-safe `item_claim`)."""

from typing import Any

from django.db.models import Count, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from api.base import Filter, ScopedViewSet, filter_parameters
from claims import rules, selectors, services
from claims.forms import CloseForm
from claims.models import Claim, Programme, ProgrammeItem
from kernel.errors import Forbidden

# The claims a user sees: every claim for the national level, a claimant's own for the
# coordinators who speak for it; derived from the one definition of who sees a claimant.
CLAIMS = rules.CLAIMANTS.via(Claim, "claimant")


class ProgrammeItemSerializer(serializers.ModelSerializer):
    claim_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ProgrammeItem
        fields = ["id", "programme", "position", "category", "title", "description", "claim_count"]
        read_only_fields = fields


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = [
            "id",
            "kind",
            "title",
            "issuing_authority",
            "description",
            "list_version",
            "min_claims",
            "max_claimants",
            "opens_at",
            "closes_at",
            "state",
        ]
        read_only_fields = fields


class ProgrammeDetailSerializer(ProgrammeSerializer):
    items = serializers.SerializerMethodField()

    class Meta(ProgrammeSerializer.Meta):
        fields = [*ProgrammeSerializer.Meta.fields, "items"]
        read_only_fields = fields

    @extend_schema_field(ProgrammeItemSerializer(many=True))
    def get_items(self, programme: Programme) -> list[dict[str, Any]]:
        return list(ProgrammeItemSerializer(selectors.programme_items(programme), many=True).data)


class ClaimSerializer(serializers.ModelSerializer):
    programme = serializers.IntegerField(source="item.programme_id", read_only=True)
    item_title = serializers.CharField(source="item.title", read_only=True)
    claimant_name = serializers.CharField(source="claimant.__str__", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "programme",
            "item",
            "item_title",
            "claimant",
            "claimant_name",
            "claimed_at",
            "shortlisting",
        ]
        read_only_fields = fields


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


PROGRAMME_FILTERS = {
    "state": Filter("state", "State", enum=list(Programme.State.values)),
    "kind": Filter("kind", "Kind", enum=list(Programme.Kind.values)),
}


def manages_programme(user: Any, programme: Programme) -> bool:
    """`can_manage_programmes`, the state-free part of every right on a programme (the
    service says when the window was closed meanwhile)."""
    return rules.can_manage_programmes(user)


@extend_schema(tags=["claims"])
class ProgrammeViewSet(ScopedViewSet):
    """Programmes: every one for the national level; for a claimant's coordinators those it
    is eligible for once open (`claims.rules.PROGRAMMES`)."""

    serializer_class = ProgrammeSerializer
    list_right = rules.can_list_programmes
    filters = PROGRAMME_FILTERS

    def get_serializer_class(self) -> Any:
        return ProgrammeSerializer if self.action == "list" else ProgrammeDetailSerializer

    def visible(self, user: Any) -> QuerySet[Programme]:
        found = selectors.programmes_visible_to(user).values("pk")
        return Programme.objects.filter(pk__in=found).order_by("-created_at", "-id")

    def fetch(self, user: Any, pk: int) -> Programme:
        return selectors.programme_get_for_user(user, pk)

    @extend_schema(parameters=filter_parameters(PROGRAMME_FILTERS))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CloseSerializer, responses={200: ProgrammeDetailSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """The claim window closed (national level); a reason when a claimant is below the
        minimum."""
        programme = self.object_for(pk, manages_programme)
        form = CloseForm(self.request_data(CloseSerializer))
        if not form.is_valid():
            raise serializers.ValidationError(form.errors.get_json_data())
        services.programme_close(programme=programme, by=request.user, **form.cleaned_data)
        return self.answer(self.fetch(request.user, programme.pk))


@extend_schema(tags=["claims"])
class ProgrammeItemViewSet(ScopedViewSet):
    """The items of the programmes the user sees; claimed and withdrawn by the coordinators
    of an eligible claimant while the window is open."""

    serializer_class = ProgrammeItemSerializer
    list_right = rules.can_list_programmes
    filters = {"programme": Filter("programme_id", "Programme id", type=int)}

    def visible(self, user: Any) -> QuerySet[ProgrammeItem]:
        programmes = rules.PROGRAMMES.queryset(user).values("pk")
        found = ProgrammeItem.objects.filter(programme__in=programmes)
        counted = found.annotate(claim_count=Count("claims"))  # type: ignore[no-redef]
        return counted.order_by("programme_id", "position")

    @extend_schema(parameters=filter_parameters(filters))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _target(self, pk: str) -> tuple[ProgrammeItem, Any]:
        """The item and the user's claimant (404 unless the user speaks for a claimant of its
        programme), checked without the window's state: the service says if it closed."""
        try:
            key = int(pk)
        except ValueError:
            key = 0
        item, claimant = selectors.item_get_for_user(self.request.user, key)
        if not rules.speaks_for_claimant(self.request.user, claimant):
            raise Forbidden
        return item, claimant

    @extend_schema(request=None, responses={201: ClaimSerializer})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        """The item claimed (揭榜) for the user's claimant."""
        item, claimant = self._target(pk)
        claim = services.item_claim(item=item, claimant=claimant, by=request.user)
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        """The claimant's claim on the item withdrawn."""
        item, claimant = self._target(pk)
        services.item_withdraw(item=item, claimant=claimant, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


CLAIM_FILTERS = {
    "programme": Filter("item__programme_id", "Programme id", type=int),
    "item": Filter("item_id", "Programme item id", type=int),
}


@extend_schema(tags=["claims"])
class ClaimViewSet(ScopedViewSet):
    """Claims: every one for the national level, a claimant's own for its coordinators."""

    serializer_class = ClaimSerializer
    list_right = rules.can_list_programmes
    filters = CLAIM_FILTERS

    def visible(self, user: Any) -> QuerySet[Claim]:
        related = ("item", "claimant__division", "claimant__region_group")
        return CLAIMS.queryset(user).select_related(*related).order_by("-claimed_at", "-id")

    @extend_schema(parameters=filter_parameters(CLAIM_FILTERS))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


def register(router: SimpleRouter) -> None:
    router.register("programmes", ProgrammeViewSet, basename="programme")
    router.register("programme-items", ProgrammeItemViewSet, basename="programme-item")
    router.register("claims", ClaimViewSet, basename="claim")
