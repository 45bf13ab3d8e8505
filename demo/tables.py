"""The demo's scoring tables (评标办法), one per lot that is evaluated, set through the service while each tender is a draft.

Works use the average benchmark with the K their sealing rules publish (demo/data.py K_RANGES);
goods and services score the price against the lowest price at the share 87号令 第五十五条 asks
(at least 30% for goods, 10% for services); a lowest-evaluated-price lot has its checks and the
price alone. A sale (land, property) has none. The draft tender's table is set by its agent, as
a tenderee's agent does; the others by the center's staff before publishing."""

from decimal import Decimal

from evaluation.choices import CheckKind, ItemCategory, PriceFormula
from evaluation.table_services import set_table
from evaluation.table_spec import CheckSpec, ItemSpec, TableSpec
from trading.choices import EvaluationMethod

Q, R = CheckKind.QUALIFICATION, CheckKind.RESPONSIVENESS
T, C = ItemCategory.TECHNICAL, ItemCategory.COMMERCIAL

QUALIFIED = (
    CheckSpec(Q, "营业执照及资质", "具有有效的营业执照；招标文件要求资质的，具有相应资质证书。"),
    CheckSpec(Q, "信用记录", "未被列入失信被执行人、重大税收违法失信主体和政府采购严重违法失信行为记录名单。"),
    CheckSpec(Q, "投标保证金", "按招标文件要求足额缴纳投标保证金。"),
)
RESPONSIVE = (
    CheckSpec(R, "投标报价", "投标报价不超过最高投标限价，且只有一个有效报价。"),
    CheckSpec(R, "投标文件签署", "投标函按要求签署并加盖单位公章。"),
)
WORKS_CHECKS = QUALIFIED + RESPONSIVE + (CheckSpec(R, "工期", "工期不超过招标文件规定的日历天数。"),)
GOODS_CHECKS = QUALIFIED + RESPONSIVE + (CheckSpec(R, "交货期及质保期", "满足招标文件规定的交货期和质保期。"),)
SERVICES_CHECKS = QUALIFIED + RESPONSIVE + (CheckSpec(R, "服务期", "满足招标文件规定的服务期限。"),)


def item(category, name, high, guidance) -> ItemSpec:
    return ItemSpec(category, name, Decimal(0), Decimal(high), guidance)


WORKS_ITEMS = (
    item(T, "施工组织设计", 20, "施工方案与技术措施、质量与安全保证措施、进度计划的合理性与针对性。"),
    item(T, "项目管理机构", 8, "项目经理及主要管理人员的资格、业绩和配备。"),
    item(C, "企业业绩", 6, "近三年类似工程业绩，每项 2 分，最高 6 分。"),
    item(C, "企业信誉", 6, "近三年获得的质量、安全类奖项及信用评价。"),
)


def works(*, drops_extremes: bool) -> TableSpec:
    """Comprehensive scoring for works: price 60 against the mean (× (1 − K)), items 40."""
    return TableSpec(method=EvaluationMethod.COMPREHENSIVE, price_formula=PriceFormula.AVERAGE_BENCHMARK,
                     price_weight=Decimal(60), average_drops_extremes=drops_extremes, uses_k=True,
                     points_per_percent_above=Decimal(1), points_per_percent_below=Decimal("0.5"),
                     drop_high_low=True, checks=WORKS_CHECKS, items=WORKS_ITEMS)


def lowest_evaluated() -> TableSpec:
    return TableSpec(method=EvaluationMethod.LOWEST_EVALUATED, checks=GOODS_CHECKS)


TABLES = {
    "NN2026-ZC-0088": {1: lowest_evaluated()},
    "LZX2026-ZC-0009": {1: TableSpec(
        method=EvaluationMethod.COMPREHENSIVE, price_weight=Decimal(30), checks=SERVICES_CHECKS, items=(
            item(T, "服务方案", 30, "清扫保洁、垃圾清运的作业方案、频次与质量控制措施。"),
            item(T, "作业设备", 15, "投入的清扫车、洒水车、垃圾运输车等设备的数量与状况。"),
            item(T, "人员配置", 10, "作业人员、管理人员的数量与培训安排。"),
            item(C, "类似业绩", 10, "近三年城市道路清扫保洁服务业绩，每项 2 分，最高 10 分。"),
            item(C, "服务承诺", 5, "应急保障、投诉处理和考核整改承诺。"),
        ))},
    "LZ2026-GC-0056": {1: works(drops_extremes=False)},  # four bidders: the mean of all four
    "NN2026-GC-0031": {1: works(drops_extremes=True), 2: works(drops_extremes=True)},
    "GX2026-ZC-0107": {
        1: TableSpec(method=EvaluationMethod.COMPREHENSIVE, price_weight=Decimal(30), checks=GOODS_CHECKS, items=(
            item(T, "技术参数响应", 30, "对招标文件技术参数的响应程度，★号参数不满足的作无效投标处理。"),
            item(T, "产品质量与性能", 15, "产品的品牌、检测报告、节能环保认证。"),
            item(T, "安装调试与培训方案", 10, "安装调试计划、教师培训安排。"),
            item(C, "售后服务", 10, "质保期、响应时间、本地服务网点。"),
            item(C, "类似业绩", 5, "近三年智慧教室或同类设备供货业绩。"),
        )),
        2: lowest_evaluated(),
    },
    "LZ2026-ZC-0042": {1: TableSpec(
        method=EvaluationMethod.COMPREHENSIVE, price_weight=Decimal(20), checks=SERVICES_CHECKS, items=(
            item(T, "技术路线与工作方案", 35, "体检评估的技术路线、指标体系和数据库建设方案。"),
            item(T, "项目团队", 20, "项目负责人及主要技术人员的职称、经验和投入时间。"),
            item(C, "类似业绩", 15, "近三年国土空间规划实施评估类项目业绩。"),
            item(C, "服务保障", 10, "进度安排、成果质量保障和后续服务承诺。"),
        ))},
    "NN2026-GC-0047": {1: works(drops_extremes=False)},
}


def set_for(actor, project, *, now=None) -> None:
    """Set the tables the demo gives `project`'s lots (none for a sale), as `actor`, while a draft."""
    wanted = TABLES.get(project.code, {})
    for lot in project.lots.order_by("number"):
        if lot.number in wanted:
            set_table(actor=actor, lot_id=lot.pk, spec=wanted[lot.number], now=now)
