"""Proposals (建议书) over the API: the list and page of `proposals.views.proposals`, and its
writes — a draft made, submitted together with others, returned, deleted — through the same
services and the same form's validation."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from api.base import (
    Filter,
    ReasonSerializer,
    RuleBroken,
    ScopedViewSet,
    filter_parameters,
    search_parameter,
)
from kernel.errors import Forbidden
from proposals import rules, selectors
from proposals.forms import ProposalForm
from proposals.models import Proposal
from proposals.selectors import current_cycle, proposal_get_for_user, proposal_list
from proposals.services import proposals as services
from proposals.topic_selectors import topics_to_answer


class ProposalSerializer(serializers.ModelSerializer):
    locality_name = serializers.CharField(source="locality.name", read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "cycle",
            "locality",
            "locality_name",
            "state",
            *Proposal.CONTENT_FIELDS,
            "topic",
            "return_reason",
            "merged_into",
            "submitted_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProposalWriteSerializer(serializers.Serializer):
    """The fields of the proposal form (`ProposalForm`), which validates them."""

    title = serializers.CharField(max_length=200)
    field = serializers.IntegerField(required=False, allow_null=True)
    problem = serializers.CharField(required=False, allow_blank=True)
    content = serializers.CharField(required=False, allow_blank=True)
    needs_national_authority = serializers.BooleanField(required=False, default=False)
    ministries = serializers.CharField(required=False, allow_blank=True, max_length=300)
    implementing_bodies = serializers.CharField(required=False, allow_blank=True)
    expected_results = serializers.CharField(required=False, allow_blank=True)
    targets = serializers.CharField(required=False, allow_blank=True)
    timetable = serializers.CharField(required=False, allow_blank=True)
    risks = serializers.CharField(required=False, allow_blank=True)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    sources = serializers.ListField(child=serializers.IntegerField(), required=False)
    topic = serializers.IntegerField(required=False, allow_null=True)


class SubmitSerializer(serializers.Serializer):
    proposals = serializers.ListField(child=serializers.IntegerField(), min_length=1)


FILTERS = {
    "cycle": Filter("cycle_id", "Cycle id", type=int),
    "locality": Filter("locality_id", "Locality (province) id", type=int),
    "field": Filter("field_id", "Reform field id", type=int),
    "state": Filter("state", "State", enum=list(Proposal.State.values)),
}


def _form(data: dict[str, Any], user: Any, cycle_id: int, instance: Proposal | None = None) -> Any:
    """The UI's form, bound to the JSON body: the same validation as the page."""
    posted = {k: v for k, v in data.items() if v is not None}
    form = ProposalForm(
        posted,
        instance=instance,
        suggestions=selectors.suggestions_to_adopt(user, cycle_id),
        topics=topics_to_answer(
            user, cycle_id, keep=instance.topic_id if instance is not None else None
        ),
    )
    if not form.is_valid():
        raise serializers.ValidationError(form.errors.get_json_data())
    return form


@extend_schema(tags=["proposals"])
class ProposalViewSet(ScopedViewSet):
    """Proposals in the user's scope: the locality's own, and every submitted one for the
    national level (`proposals.rules.PROPOSALS`)."""

    serializer_class = ProposalSerializer
    list_right = rules.can_list_proposals
    filters = FILTERS

    def visible(self, user: Any) -> QuerySet[Proposal]:
        return selectors.proposals_visible_to(user)

    def fetch(self, user: Any, pk: int) -> Proposal:
        return proposal_get_for_user(user, pk)

    def get_queryset(self) -> QuerySet[Proposal]:
        if getattr(self, "swagger_fake_view", False):
            return Proposal.objects.none()
        self.check_list_right()
        # The list page's search (segmented, as on the page), under the API's name `search`.
        params = {"q": self.request.query_params.get("search", "")}
        queryset = proposal_list(self.request.user, params)
        for name, flt in self.filters.items():
            raw = self.request.query_params.get(name)
            if raw not in (None, ""):
                queryset = flt.apply(queryset, raw)
        return queryset

    @extend_schema(parameters=[*filter_parameters(FILTERS), search_parameter()])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ProposalWriteSerializer, responses={201: ProposalSerializer})
    def create(self, request: Request) -> Response:
        """A draft for the open cycle, by the coordinator of a province."""
        if not rules.can_create_proposal(request.user):
            raise Forbidden
        cycle = current_cycle()
        if cycle is None:
            raise RuleBroken(_("No cycle is open for proposals."))
        body = self.request_data(ProposalWriteSerializer)
        form = _form(body, request.user, cycle.pk)
        data = form.cleaned_data
        proposal = services.proposal_create(
            by=request.user, cycle=cycle, data=data, sources=data.get("sources", [])
        )
        return self.answer(proposal, status.HTTP_201_CREATED)

    @extend_schema(request=ProposalWriteSerializer, responses={200: ProposalSerializer})
    def update(self, request: Request, pk: str) -> Response:
        """The whole draft (or returned proposal) rewritten, as on its form."""
        proposal = self.object_for(pk, rules.speaks_for_proposal)
        body = self.request_data(ProposalWriteSerializer)
        form = _form(body, request.user, proposal.cycle_id, instance=proposal)
        data = form.cleaned_data
        proposal.refresh_from_db()
        services.proposal_update(
            proposal=proposal, by=request.user, data=data, sources=data.get("sources", [])
        )
        return self.answer(proposal_get_for_user(request.user, proposal.pk))

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        """A draft deleted."""
        proposal = self.object_for(pk, rules.speaks_for_proposal)
        services.proposal_delete(proposal=proposal, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=SubmitSerializer,
        responses={200: inline_serializer("Submitted", {"submitted": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"])
    def submit(self, request: Request) -> Response:
        """Drafts (or returned proposals) submitted together, as the list page does."""
        ids = set(self.request_data(SubmitSerializer)["proposals"])
        chosen = list(selectors.proposals_visible_to(request.user).filter(pk__in=ids))
        if len(chosen) != len(ids):
            raise Forbidden
        done = services.proposals_submit(proposals=chosen, by=request.user)
        return Response({"submitted": len(done)})

    @extend_schema(request=ReasonSerializer, responses={200: ProposalSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str) -> Response:
        """A submitted proposal returned to its locality, with the reason (national level)."""
        proposal = self.object_for(pk, rules.returns_proposals)
        reason = self.request_data(ReasonSerializer)["reason"]
        services.proposal_return(proposal=proposal, by=request.user, reason=reason)
        return self.answer(proposal_get_for_user(request.user, proposal.pk))


def register(router: SimpleRouter) -> None:
    router.register("proposals", ProposalViewSet, basename="proposal")
