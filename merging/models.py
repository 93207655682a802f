from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from proposals.models import Cycle, Proposal, ReformField


class CandidateMeasure(models.Model):
    """A candidate measure (候选举措): one or more merged proposals, written by the national
    coordinator, that goes to expert review. Its sources point at it (Proposal.merged_into)."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="candidates"
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("reform content"))
    field = models.ForeignKey(
        ReformField, verbose_name=_("reform field"), on_delete=models.PROTECT, related_name="+"
    )
    needs_national_authority = models.BooleanField(_("needs national authority"), default=False)
    ministries = models.CharField(_("ministries concerned"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["cycle", "id"]
        verbose_name = _("candidate measure")
        verbose_name_plural = _("candidate measures")

    def __str__(self) -> str:
        return self.title


class SuggestedGroup(models.Model):
    """A group of similar proposals the text analysis suggests merging (合并同类项).

    Nothing is merged until a person accepts the group.
    """

    class State(models.TextChoices):
        OPEN = "open", _("suggested")
        ACCEPTED = "accepted", _("accepted")
        IGNORED = "ignored", _("ignored")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="suggested_groups")
    proposals = models.ManyToManyField(Proposal, related_name="suggested_groups")
    score = models.FloatField(_("similarity"))
    key_terms = models.JSONField(_("shared key terms"), default=list)
    # Size of the cohesive cluster the size cap (平台规则, zhtext.groups.MAX_GROUP) cut this
    # group from; 0 when the group is the whole cluster.
    cut_from = models.PositiveIntegerField(_("cut from a cluster of"), default=0)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    candidate = models.ForeignKey(
        CandidateMeasure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "id"]
        verbose_name = _("suggested group")
        verbose_name_plural = _("suggested groups")

    def __str__(self) -> str:
        return f"{self.cycle} #{self.pk} ({self.score:.2f})"
