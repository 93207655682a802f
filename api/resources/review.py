"""Expert reviews (专家评审) over the API: the expert's "My reviews" and the review page of
`review.views.reviews`; a review saved and submitted through `review.services.reviews`.

A resource is one assignment (a candidate given to an expert) with the expert's review."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from api.base import ScopedViewSet, search_parameter
from review import rules
from review.forms import ReviewForm
from review.models import Assignment, Review
from review.selectors import assignment_get_for_user, assignments_visible_to, my_assignments
from review.services import reviews as services


class ReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = [*Review.CRITERIA, "comments", "recommendation", "state", "submitted_at"]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    candidate_title = serializers.CharField(source="candidate.title", read_only=True)
    candidate_content = serializers.CharField(source="candidate.content", read_only=True)
    cycle = serializers.IntegerField(source="candidate.cycle_id", read_only=True)
    review = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "candidate",
            "candidate_title",
            "candidate_content",
            "cycle",
            "expert",
            "review",
        ]
        read_only_fields = fields

    @extend_schema_field(ReviewSerializer(allow_null=True))
    def get_review(self, assignment: Assignment) -> dict[str, Any] | None:
        review = getattr(assignment, "review", None)
        return ReviewSerializer(review).data if review is not None else None


class ReviewWriteSerializer(serializers.Serializer):
    """The review form's fields (`ReviewForm` validates them); scores 1 to 5."""

    value = serializers.IntegerField(required=False, allow_null=True)
    operability = serializers.IntegerField(required=False, allow_null=True)
    assessability = serializers.IntegerField(required=False, allow_null=True)
    replicability = serializers.IntegerField(required=False, allow_null=True)
    comments = serializers.CharField(required=False, allow_blank=True)
    recommendation = serializers.ChoiceField(
        choices=Review.Recommendation.choices, required=False, allow_blank=True
    )


@extend_schema(tags=["reviews"])
class ReviewViewSet(ScopedViewSet):
    """The list is the expert's own reviews; a review is read by its expert and the national
    level (`review.rules.ASSIGNMENTS`) and written by its expert until submitted."""

    serializer_class = AssignmentSerializer
    list_right = rules.can_list_own_reviews

    def visible(self, user: Any) -> QuerySet[Assignment]:
        return assignments_visible_to(user)

    def fetch(self, user: Any, pk: int) -> Assignment:
        return assignment_get_for_user(user, pk)

    def get_queryset(self) -> QuerySet[Assignment]:
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        self.check_list_right()
        query = self.request.query_params
        params = {"state": query.get("state", ""), "q": query.get("search", "")}
        if query.get("cycle", "").isdigit():
            params["cycle"] = query["cycle"]
        return my_assignments(self.request.user, params)

    @extend_schema(
        parameters=[
            OpenApiParameter("cycle", int, description="Cycle id"),
            OpenApiParameter("state", str, enum=["new", "draft", "submitted"]),
            search_parameter(),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _write(self, pk: str, submitting: bool) -> Response:
        # Checked without the state: the service says if the review was submitted meanwhile.
        assignment = self.object_for(pk, rules.is_assigned_expert)
        body = self.request_data(ReviewWriteSerializer)
        if submitting and not body:  # what was saved, submitted as it is
            services.review_submit(assignment=assignment, by=self.request.user)
            return self.answer(assignment_get_for_user(self.request.user, assignment.pk))
        posted = {k: ("" if v is None else v) for k, v in body.items()}
        form = ReviewForm(posted, submitting=submitting)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors.get_json_data())
        write = services.review_submit if submitting else services.review_save
        write(assignment=assignment, by=self.request.user, data=form.cleaned_data)
        return self.answer(assignment_get_for_user(self.request.user, assignment.pk))

    @extend_schema(request=ReviewWriteSerializer, responses={200: AssignmentSerializer})
    def update(self, request: Request, pk: str) -> Response:
        """The review saved as a draft (the assigned expert, until it is submitted)."""
        return self._write(pk, submitting=False)

    @extend_schema(request=ReviewWriteSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """The review submitted (with the scores sent, or as saved): locked from then on."""
        return self._write(pk, submitting=True)


def register(router: SimpleRouter) -> None:
    router.register("reviews", ReviewViewSet, basename="review")
