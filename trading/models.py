"""The trading center's ground floor: its tables.

The trading center's ground floor: centers, parties, users, projects and lots, notices and
documents, and the audit trail. Invariants live in the database as constraints where they can."""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import law
from .choices import Category, CenterLevel, EvaluationMethod, LotState, NoticeKind, Role
from .uscc import validate_uscc

MONEY = {"max_digits": 16, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0.00"))]}


class Center(models.Model):
    """A trading center in the region's network (自治区/省, 市, 县 三级联网)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=CenterLevel.choices)
    region_code = models.CharField(_("administrative division code"), max_length=6)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent center"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = _("trading center")
        verbose_name_plural = _("trading centers")
        ordering = ["region_code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=models.F("pk")), name="center_not_own_parent"
            )
        ]

    def __str__(self):
        return self.name

    def subtree_ids(self) -> set[int]:
        """This center and every center below it (a supervisor's scope, a roll-up's reach)."""
        ids, frontier = {self.pk}, [self.pk]
        while frontier:
            frontier = list(Center.objects.filter(parent_id__in=frontier).exclude(pk__in=ids).values_list("pk", flat=True))
            ids.update(frontier)
        return ids


class OrganizationQuerySet(models.QuerySet):
    def acting_as(self, role: str):
        """Organizations that act as `role` (tenderee, agent, bidder) on this platform: those with
        an account of that role. An organization's kind is its accounts' roles (one account, one
        role), so a group that both tenders and bids appears in both lists, and a bidder that
        registered itself never appears among the tenderees."""
        return self.filter(pk__in=User.objects.filter(role=role, organization__isnull=False).values("organization_id"))


class Organization(models.Model):
    """A legal person: tenderee, agent or bidder, identified by its unified social credit code.
    What it acts as is the role of its accounts (OrganizationQuerySet.acting_as)."""

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc])
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """One account, one role. Staff and supervisors belong to a center; tenderees, agents and
    bidders act for an organization. Experts and custodians are persons of the shared pool."""

    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    center = models.ForeignKey(Center, verbose_name=_("center"), null=True, blank=True, on_delete=models.PROTECT)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    full_name = models.CharField(_("full name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=[Role.STAFF, Role.SUPERVISOR]) | Q(center__isnull=False),
                name="center_roles_have_center",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=[Role.TENDEREE, Role.AGENT, Role.BIDDER]) | Q(organization__isnull=False),
                name="party_roles_have_organization",
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self):
        return self.full_name or self.username


class Project(models.Model):
    """One tender or sale (招标项目). Its lots receive bids; the deadline is one instant for all."""

    center = models.ForeignKey(Center, verbose_name=_("trading center"), on_delete=models.PROTECT, related_name="projects")
    code = models.CharField(_("project code"), max_length=40, unique=True)
    name = models.CharField(_("project name"), max_length=200)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    region_code = models.CharField(_("region (administrative division code)"), max_length=6)
    tenderee = models.ForeignKey(
        Organization, verbose_name=_("tenderee"), on_delete=models.PROTECT, related_name="tendered_projects"
    )
    agent = models.ForeignKey(
        Organization, verbose_name=_("agent"), null=True, blank=True, on_delete=models.PROTECT, related_name="agent_projects"
    )
    description = models.TextField(_("description"), blank=True)
    must_be_tendered = models.BooleanField(
        _("must be tendered by law"), default=True, help_text=_("A project that must be tendered by law: the law's limits bind the settings below.")
    )
    bid_deadline = models.DateTimeField(_("bid deadline = opening time"), null=True, blank=True)
    documents_published_at = models.DateTimeField(_("documents published at"), null=True, blank=True)
    # Legal defaults, per tender (trading/law.py cites each).
    min_days_to_deadline = models.PositiveSmallIntegerField(_("days from documents to deadline"), default=law.DAYS_TO_DEADLINE.default)
    amendment_min_days = models.PositiveSmallIntegerField(_("days an amendment must precede the deadline"), default=law.AMENDMENT_DAYS.default)
    min_bids = models.PositiveSmallIntegerField(_("bids needed to open"), default=law.MIN_BIDS.default)
    publicity_days = models.PositiveSmallIntegerField(_("days of candidate publicity"), default=law.PUBLICITY_DAYS.default)
    contract_days = models.PositiveSmallIntegerField(_("days to sign the contract"), default=law.CONTRACT_DAYS.default)
    created_by = models.ForeignKey(User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(min_bids__gte=1), name="project_min_bids_positive"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def is_draft(self) -> bool:
        """Still a draft: the tender is not published yet and can be, i.e. a lot is still a draft.
        Publication takes every draft lot at once, so a published tender has none; a lot cancelled
        before publication leaves the draft, but its siblings stay drafts to edit and publish. A
        project with no lot yet is a draft too."""
        return self.lots.drafts().exists() or not self.lots.exists()

    def bidding_open(self, now, *, lot=None) -> bool:
        """The deadline guard: bids are taken until the deadline, on the server clock, while a lot
        is published. It reads the clock, not only the stored state, so a late closing job opens
        no window. `lot`, one of the project's lots just read, spares the query when it is
        published; lots prefetched with the project are used as they are."""
        if self.bid_deadline is None or not now < self.bid_deadline:
            return False
        if lot is not None and lot.state == LotState.PUBLISHED:
            return True
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("lots")
        if prefetched is not None:
            return any(each.state == LotState.PUBLISHED for each in prefetched)
        return self.lots.filter(state=LotState.PUBLISHED).exists()


class LotQuerySet(models.QuerySet):
    def drafts(self):
        return self.filter(state=LotState.DRAFT)

    def not_draft(self):
        """Lots whose tender has been published: the only ones anyone but its preparers may reach."""
        return self.exclude(state=LotState.DRAFT)


class Lot(models.Model):
    """The unit that receives bids and is awarded (标段/包). The lifecycle runs per lot."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("lot number"))
    name = models.CharField(_("lot name"), max_length=200)
    budget = models.DecimalField(_("budget"), **MONEY)
    ceiling_price = models.DecimalField(_("ceiling price"), null=True, blank=True, **MONEY)
    reserve_price = models.DecimalField(_("reserve price"), null=True, blank=True, **MONEY)
    bid_security = models.DecimalField(_("bid security"), default=Decimal("0.00"), **MONEY)
    evaluation_method = models.CharField(_("evaluation method"), max_length=20, choices=EvaluationMethod.choices)
    state = models.CharField(_("state"), max_length=12, choices=LotState.choices, default=LotState.DRAFT)
    state_changed_at = models.DateTimeField(_("state changed at"), auto_now_add=True)
    award_price = models.DecimalField(_("award price"), null=True, blank=True, **MONEY)

    objects = LotQuerySet.as_manager()

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="lot_number_unique_in_project"),
            models.CheckConstraint(
                condition=Q(ceiling_price__isnull=True) | Q(ceiling_price__lte=models.F("budget")),
                name="lot_ceiling_within_budget",
            ),
            models.CheckConstraint(condition=Q(state__in=LotState.values), name="lot_state_valid"),
        ]

    def __str__(self):
        return f"{self.project.code}-{self.number:02d} {self.name}"

    @property
    def is_draft(self) -> bool:
        return self.state == LotState.DRAFT


def document_path(instance, filename):
    return f"documents/{instance.project.code}/{instance.sha256[:16]}/{filename}"


class Notice(models.Model):
    """A public announcement: the tender notice, a clarification or amendment, and later results.

    The notices of one lot's ending (its failure, its winning candidates, its result) name that
    lot and are published once each; their figures are kept in `details` as published (see
    trading/lot_notices.py), so that a page writes them in its reader's language and format."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="notices")
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), null=True, blank=True, on_delete=models.CASCADE,
                            related_name="notices")
    kind = models.CharField(_("kind"), max_length=15, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    changes_bids = models.BooleanField(_("changes what bidders must offer"), default=False)
    previous_deadline = models.DateTimeField(_("previous deadline"), null=True, blank=True)
    new_deadline = models.DateTimeField(_("new deadline"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(User, verbose_name=_("published by"), null=True, on_delete=models.PROTECT, related_name="+")
    details = models.JSONField(_("figures as published"), default=dict, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "kind"], condition=Q(lot__isnull=False), name="notice_once_per_lot_and_kind"),
        ]

    def __str__(self):
        return self.title


class Document(models.Model):
    """A tender document file, public once its project is published; kept with its digest."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="documents")
    notice = models.ForeignKey(Notice, verbose_name=_("notice"), null=True, blank=True, on_delete=models.SET_NULL, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(User, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("tender document")
        verbose_name_plural = _("tender documents")
        ordering = ["uploaded_at"]

    def __str__(self):
        return self.title


class DocumentDownload(models.Model):
    """Who took the documents of a tender (a bidder's download is a fact the record keeps)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="downloads")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    downloaded_at = models.DateTimeField(auto_now_add=True)


class AuditEvent(models.Model):
    """One link of the audit chain. `digest` covers every field below and `prev_digest`, so an
    edited, removed or inserted event breaks the chain (`manage.py verify_audit`)."""

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("server time"))
    actor = models.ForeignKey(User, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(_("actor name"), max_length=150)
    role = models.CharField(_("role"), max_length=12)
    ip = models.GenericIPAddressField(_("network address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.CharField(_("object id"), max_length=40)
    project = models.ForeignKey(Project, verbose_name=_("project"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(_("what changed"), default=dict)
    prev_digest = models.CharField(_("previous digest"), max_length=64)
    digest = models.CharField(_("digest"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]

    def __str__(self):
        return f"#{self.seq} {self.action}"


class AuditChainHead(models.Model):
    """A single row naming the last event: locked to append in order, and compared by
    verify_audit so that removing the newest events is detected too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    digest = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_head_single_row")]
