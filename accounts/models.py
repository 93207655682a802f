from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from regions.models import Division, Organisation, Park, RegionGroup


class Role(models.TextChoices):
    """What a user does in the process; each role has one kind of scope."""

    NATIONAL = "national", _("national coordinator")
    LOCALITY = "locality", _("locality coordinator")
    CITY = "city", _("city / county coordinator")
    PARK = "park", _("park management body")
    IMPLEMENTER = "implementer", _("implementer")
    EXPERT = "expert", _("expert")
    EVALUATOR = "evaluator", _("evaluator")
    INNOVATION_BODY = "innovation_body", _("innovation body")
    PUBLIC = "public", _("public reader")


class User(AbstractUser):
    """A person with one role, scoped to a division, a region group or an organisation."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.PUBLIC)
    division = models.ForeignKey(
        Division,
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    region_group = models.ForeignKey(
        RegionGroup,
        verbose_name=_("region group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("park"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_(
            "For a province's locality coordinator: their department, the province's development "
            "and reform commission or its science and technology department."
        ),
    )

    class EmailChoice(models.TextChoices):
        """How a user's messages reach their mailbox (the daily digest is the platform's default:
        one e-mail a day instead of one per reminder, 平台规则)."""

        DIGEST = "digest", _("one daily digest e-mail")
        EACH = "each", _("each message by e-mail")
        NONE = "none", _("no e-mail")

    email_choice = models.CharField(
        _("messages by e-mail"),
        max_length=8,
        choices=EmailChoice.choices,
        default=EmailChoice.DIGEST,
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A locality coordinator speaks for a division or a group, never for nothing.
            models.CheckConstraint(
                condition=~Q(role="locality")
                | Q(division__isnull=False)
                | Q(region_group__isnull=False),
                name="locality_user_has_scope",
            ),
            models.CheckConstraint(
                condition=~Q(role="city") | Q(division__isnull=False),
                name="city_user_has_division",
            ),
            models.CheckConstraint(
                condition=~Q(role="park") | Q(park__isnull=False),
                name="park_user_has_park",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["implementer", "innovation_body", "evaluator"])
                | Q(organisation__isnull=False),
                name="organisation_user_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        error = self.department_error()
        if error:
            raise ValidationError({"organisation": error})

    def department_error(self) -> str:
        """Why the organisation cannot be this province coordinator's department, or "".

        A province's locality is its 发展改革委 and 科技厅（委、局）acting jointly (发改高技〔2021〕
        484号, addressees and §三（三）): a coordinator belongs to one of the two, a government
        department of their own province. Their rights do not depend on which: they are scoped
        by the division alone.
        """
        if self.role != Role.LOCALITY or self.organisation is None or self.division is None:
            return ""
        if not self.division.is_province:
            return ""
        organisation = self.organisation
        if organisation.kind != Organisation.Kind.GOVERNMENT:
            return str(_("A locality coordinator's department must be a government department."))
        place = organisation.division
        if (place.province_id or place.pk) != self.division.pk:
            return str(
                _("A locality coordinator's department must lie in their province (%(province)s).")
                % {"province": self.division}
            )
        return ""

    @property
    def role_label(self) -> str:
        """The role as the page header names it. The locality role's label names a province's
        departments (发展改革委、科技厅); a locality user scoped to an experiment region or a
        demonstration zone is named plainly a locality (地方), its scope beside it."""
        if self.role == Role.LOCALITY and self.division_id is None and self.region_group_id:
            return str(pgettext_lazy("role", "locality"))
        return str(self.get_role_display())

    @property
    def scope_label(self) -> str:
        scope = self.division or self.region_group or self.park or self.organisation
        label = str(scope) if scope else ""
        if self.role == Role.LOCALITY and self.division and self.organisation:
            # The department a province's coordinator belongs to (发展改革委 or 科技厅).
            label = f"{label} · {self.organisation}"
        return label


class FailedLogin(models.Model):
    """A failed login attempt, kept to throttle password guessing."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        # The address throttle counts one address's recent failures on every login attempt.
        indexes = [models.Index(fields=["ip", "at"], name="failedlogin_ip_at")]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"
