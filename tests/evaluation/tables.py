"""Test helpers for the scoring table: a draft lot with its people, tables as values, the page's form, publication.

    c, lot = draft(Category.GOODS)          # a cast (tests.trading.factories.cast) and its draft lot
    set_table(actor=c["center_staff"], lot_id=lot.pk, spec=comprehensive(weight="30"))
    publish(c.project)                      # through trading's service, the documents uploaded
"""

from dataclasses import asdict
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from evaluation.choices import CheckKind, ItemCategory, PriceFormula
from evaluation.table_spec import CheckSpec, ItemSpec, TableSpec
from tests.trading.factories import LotFactory, cast
from trading import services
from trading.choices import Category, EvaluationMethod

D = Decimal
CHECKS = (CheckSpec(CheckKind.QUALIFICATION, "营业执照有效", "提供有效的营业执照副本。"),
          CheckSpec(CheckKind.RESPONSIVENESS, "投标报价不超过最高投标限价"))


def draft(category=Category.WORKS, method=EvaluationMethod.COMPREHENSIVE, lots=1):
    """A cast whose project is a draft of `category`, with `lots` draft lots; (cast, first lot)."""
    c = cast(category=category)
    made = [LotFactory(project=c.project, number=n, evaluation_method=method) for n in range(1, lots + 1)]
    return c, made[0]


def comprehensive(weight="40", highs=("30", "20", "10"), **changes) -> TableSpec:
    """Comprehensive scoring: the price `weight` and items of these highest points (technical first)."""
    names = ["施工组织设计", "项目管理机构", "企业业绩", "企业信誉", "售后服务"]
    items = tuple(ItemSpec(ItemCategory.TECHNICAL if n == 0 else ItemCategory.COMMERCIAL, names[n], D(0), D(high),
                           f"评分标准{n + 1}") for n, high in enumerate(highs))
    values = {"method": EvaluationMethod.COMPREHENSIVE, "price_weight": D(weight), "checks": CHECKS, "items": items}
    return TableSpec(**{**values, **changes})


def average(**changes) -> TableSpec:
    """Works: the average benchmark with K, without the highest and lowest, 60 price points."""
    values = {"price_formula": PriceFormula.AVERAGE_BENCHMARK, "average_drops_extremes": True, "uses_k": True,
              "points_per_percent_above": D("1"), "points_per_percent_below": D("0.5")}
    return comprehensive(weight="60", highs=("25", "15"), **{**values, **changes})


def price_only(method=EvaluationMethod.LOWEST_PRICE, **changes) -> TableSpec:
    return TableSpec(**{"method": method, "checks": CHECKS, **changes})


def publish(project, actor=None):
    """Publish the tender through trading's service (its documents uploaded first)."""
    actor = actor or project.created_by
    services.add_document(actor=actor, project=project, title="招标文件",
                          uploaded_file=SimpleUploadedFile("招标文件.pdf", b"%PDF-1.7 tender documents"))
    notice = services.publish_project(actor=actor, project=project, bid_deadline=timezone.now() + timedelta(days=25),
                                      notice_title="招标公告", notice_body="现就该项目进行公开招标。")
    project.refresh_from_db()
    return notice


def form_data(spec: TableSpec, **fields) -> dict:
    """The staff page's form posted with `spec`, `fields` over it."""
    data = {"method": spec.method, "price_formula": spec.price_formula, "price_weight": str(spec.price_weight),
            "points_per_percent_above": str(spec.points_per_percent_above),
            "points_per_percent_below": str(spec.points_per_percent_below), "decimals": str(spec.decimals),
            "outlier_percent": str(spec.outlier_percent), "save_table": "1"}
    for flag in ("average_drops_extremes", "uses_k", "drop_high_low"):
        if getattr(spec, flag):
            data[flag] = "on"
    for prefix, rows in (("checks", spec.checks), ("items", spec.items)):
        data.update({f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
        for n, row in enumerate(rows):
            data.update({f"{prefix}-{n}-{k}": str(v) for k, v in asdict(row).items()})
            data[f"{prefix}-{n}-ORDER"] = str(n + 1)
    data.update({k: str(v) for k, v in fields.items()})
    return data
