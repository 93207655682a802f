"""Candidate measures (候选举措) over the API: the candidate list and page of
`merging.views`, a hand-picked merge and its undoing through `merging.services`."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
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
from merging import rules, selectors, services
from merging.forms import CandidateForm
from merging.models import CandidateMeasure
from proposals.models import Cycle


class CandidateSerializer(serializers.ModelSerializer):
    sources = serializers.SerializerMethodField(help_text="The source proposals the user sees.")
    other_sources = serializers.SerializerMethodField(
        help_text="Source proposals of other localities, counted but not shown."
    )

    class Meta:
        model = CandidateMeasure
        fields = [
            "id",
            "cycle",
            "title",
            "content",
            "field",
            "needs_national_authority",
            "ministries",
            "sources",
            "other_sources",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _sources(self, candidate: CandidateMeasure) -> Any:
        cache = self.context.setdefault("sources", {})
        if candidate.pk not in cache:
            user = self.context["request"].user
            if rules.can_list_candidates(user) and "sources" in getattr(
                candidate, "_prefetched_objects_cache", {}
            ):  # the list's prefetch: the centre sees every source
                cache[candidate.pk] = selectors.CandidateSources(
                    shown=list(candidate.sources.all()), others=0
                )
            else:
                cache[candidate.pk] = selectors.candidate_sources_for(user, candidate)
        return cache[candidate.pk]

    def get_sources(self, candidate: CandidateMeasure) -> list[int]:
        return [p.pk for p in self._sources(candidate).shown]

    def get_other_sources(self, candidate: CandidateMeasure) -> int:
        return int(self._sources(candidate).others)


class MergeSerializer(serializers.Serializer):
    """The candidate's text (validated by the page's `CandidateForm`) and its sources."""

    cycle = serializers.IntegerField()
    proposals = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    title = serializers.CharField(max_length=200)
    content = serializers.CharField()
    field = serializers.IntegerField()
    needs_national_authority = serializers.BooleanField(required=False, default=False)
    ministries = serializers.CharField(required=False, allow_blank=True, max_length=300)


FILTERS = {
    "cycle": Filter("cycle_id", "Cycle id", type=int),
    "field": Filter("field_id", "Reform field id", type=int),
}


@extend_schema(tags=["candidates"])
class CandidateViewSet(ScopedViewSet):
    """The candidate measures: the list is the national level's; a province reads the
    candidates its own proposals went into (`merging.rules.CANDIDATES`)."""

    serializer_class = CandidateSerializer
    list_right = rules.can_list_candidates

    def visible(self, user: Any) -> QuerySet[CandidateMeasure]:
        return selectors.candidates_visible_to(user)

    def fetch(self, user: Any, pk: int) -> CandidateMeasure:
        return selectors.candidate_get_for_user(user, pk)

    def get_queryset(self) -> QuerySet[CandidateMeasure]:
        if getattr(self, "swagger_fake_view", False):
            return CandidateMeasure.objects.none()
        self.check_list_right()
        params = {k: self.request.query_params.get(k, "") for k in ("sort",)}
        params["q"] = self.request.query_params.get("search", "")
        queryset = selectors.candidate_list(self.request.user, params)
        for name, flt in FILTERS.items():
            raw = self.request.query_params.get(name)
            if raw not in (None, ""):
                queryset = flt.apply(queryset, raw)
        return queryset

    @extend_schema(parameters=[*filter_parameters(FILTERS), search_parameter()])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=MergeSerializer, responses={201: CandidateSerializer})
    def create(self, request: Request) -> Response:
        """Proposals chosen by hand merged into one candidate (national level)."""
        if not rules.can_merge(request.user):
            raise Forbidden
        body = self.request_data(MergeSerializer)
        cycle = get_object_or_404(Cycle, pk=body["cycle"])
        ids = body.pop("proposals")
        chosen = selectors.mergeable_proposals(cycle, ids)
        if not chosen or len(chosen) != len(set(ids)):
            # The page's messages: a colleague merged one first (409), or a wrong choice (400).
            gone = selectors.first_no_longer_mergeable(cycle, ids)
            if gone is not None:
                raise RuleBroken(
                    _("“%(title)s” is no longer waiting to be merged (it is %(state)s).")
                    % {"title": gone.title, "state": gone.get_state_display()}
                )
            raise serializers.ValidationError(
                {"proposals": [_("Choose proposals of this cycle that are waiting to be merged.")]}
            )
        form = CandidateForm({k: v for k, v in body.items() if k != "cycle"})
        if not form.is_valid():
            raise serializers.ValidationError(form.errors.get_json_data())
        candidate = services.proposals_merge(
            cycle=cycle, proposals=chosen, by=request.user, data=form.cleaned_data
        )
        return self.answer(candidate, status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: str) -> Response:
        """The merge undone: the sources are submitted proposals again (national level)."""
        candidate = self.object_for(pk, lambda user, obj: rules.can_merge(user))
        reason = self.request_data(ReasonSerializer)["reason"]
        services.merge_undo(candidate=candidate, by=request.user, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router: SimpleRouter) -> None:
    router.register("candidates", CandidateViewSet, basename="candidate")
