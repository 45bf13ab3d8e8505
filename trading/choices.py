"""Statuses, roles and kinds in one place, with translated labels."""

from django.db import models
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    STAFF = "staff", pgettext_lazy("role", "Trading-center staff")
    TENDEREE = "tenderee", pgettext_lazy("role", "Tenderee")
    AGENT = "agent", pgettext_lazy("role", "Tendering agent")
    BIDDER = "bidder", pgettext_lazy("role", "Bidder")
    EXPERT = "expert", pgettext_lazy("role", "Evaluation expert")
    SUPERVISOR = "supervisor", pgettext_lazy("role", "Supervisor")
    CUSTODIAN = "custodian", pgettext_lazy("role", "Key custodian")


class CenterLevel(models.TextChoices):
    PROVINCE = "province", pgettext_lazy("center level", "Province / autonomous region")
    CITY = "city", pgettext_lazy("center level", "City")
    COUNTY = "county", pgettext_lazy("center level", "County")


class Category(models.TextChoices):
    WORKS = "works", pgettext_lazy("category", "Construction works")
    GOODS = "goods", pgettext_lazy("category", "Government procurement: goods")
    SERVICES = "services", pgettext_lazy("category", "Government procurement: services")
    LAND = "land", pgettext_lazy("category", "Land use rights and mining rights")
    PROPERTY = "property", pgettext_lazy("category", "State-owned property rights")

    @classmethod
    def price_sales(cls):
        """Categories where the highest price wins and the headline figure is the premium rate."""
        return {cls.LAND, cls.PROPERTY}


class EvaluationMethod(models.TextChoices):
    LOWEST_PRICE = "lowest_price", pgettext_lazy("evaluation method", "Lowest price")
    COMPREHENSIVE = "comprehensive", pgettext_lazy("evaluation method", "Comprehensive scoring")
    LOWEST_EVALUATED = "lowest_evaluated", pgettext_lazy("evaluation method", "Lowest evaluated price")
    HIGHEST_PRICE = "highest_price", pgettext_lazy("evaluation method", "Highest price (sale)")


class LotState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("lot state", "Draft")
    PUBLISHED = "published", pgettext_lazy("lot state", "Bidding open")
    CLOSED = "closed", pgettext_lazy("lot state", "Bidding closed")
    OPENING = "opening", pgettext_lazy("lot state", "Opening")
    EVALUATION = "evaluation", pgettext_lazy("lot state", "Evaluation")
    PUBLICITY = "publicity", pgettext_lazy("lot state", "Candidates in publicity")
    AWARDED = "awarded", pgettext_lazy("lot state", "Awarded")
    CONTRACTED = "contracted", pgettext_lazy("lot state", "Contracted")
    ARCHIVED = "archived", pgettext_lazy("lot state", "Archived")
    FAILED = "failed", pgettext_lazy("lot state", "Failed")
    CANCELLED = "cancelled", pgettext_lazy("lot state", "Cancelled")


class NoticeKind(models.TextChoices):
    TENDER = "tender", pgettext_lazy("notice kind", "Tender notice")
    CLARIFICATION = "clarification", pgettext_lazy("notice kind", "Clarification")
    AMENDMENT = "amendment", pgettext_lazy("notice kind", "Amendment")
    CANDIDATES = "candidates", pgettext_lazy("notice kind", "Winning candidates publicity")
    RESULT = "result", pgettext_lazy("notice kind", "Result notice")
    FAILURE = "failure", pgettext_lazy("notice kind", "Failed tender notice")
    CANCELLATION = "cancellation", pgettext_lazy("notice kind", "Cancellation notice")
