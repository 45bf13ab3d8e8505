"""The demo's content: the Guangxi network, its parties and accounts, the projects with their bids, dates and figures.

All names, codes and figures are fictional. Plain data and small helpers: the loader (demo/loader.py)
builds it through the services.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from trading import uscc
from trading.choices import Category, CenterLevel, EvaluationMethod, LotState, Role

DEMO_PASSWORD = "kaibiao-demo-2026"
MARKER = "gxggzy"  # the province center's code: present means the demo is loaded

# --- the network -----------------------------------------------------------------------------

CENTERS = [
    # code, name, level, region, parent
    ("gxggzy", "广西壮族自治区公共资源交易中心", CenterLevel.PROVINCE, "450000", None),
    ("nnggzy", "南宁市公共资源交易中心", CenterLevel.CITY, "450100", "gxggzy"),
    ("lzggzy", "柳州市公共资源交易中心", CenterLevel.CITY, "450200", "gxggzy"),
    ("lzxggzy", "鹿寨县公共资源交易中心", CenterLevel.COUNTY, "450223", "lzggzy"),
]

# Organizations: key, name, registration authority + type, region, 8-digit organization code,
# contact, phone, address. Authority/type: 11 机关, 12 事业单位, 91 企业 (GB 32100-2015).
TENDEREES = [
    ("nnjt", "南宁市交通运输局", "11", "450100", "00752318", "陈志远", "0771-5512301", "南宁市青秀区民族大道"),
    ("school", "广西某某职业技术学校", "12", "450000", "49857203", "杨晓梅", "0771-3856020", "南宁市西乡塘区大学东路"),
    ("lzzrzy", "柳州市自然资源局", "11", "450200", "00859146", "韦建国", "0772-2826410", "柳州市城中区三中路"),
    ("lzzj", "柳州市住房和城乡建设局", "11", "450200", "00859287", "覃丽华", "0772-2825133", "柳州市城中区文昌路"),
    ("lzxzj", "鹿寨县住房和城乡建设局", "11", "450223", "00868031", "莫振兴", "0772-6812245", "鹿寨县鹿寨镇建中东路"),
    ("gxinvest", "广西某某投资集团有限公司", "91", "450000", "19823577", "黎国强", "0771-5530888", "南宁市青秀区金浦路"),
]
AGENTS = [
    ("huabiao", "广西华标招标代理有限公司", "91", "450103", "34812096", "蒋文静", "0771-5730612", "南宁市青秀区东葛路"),
    ("guixin", "广西桂信工程咨询有限公司", "91", "450107", "35917824", "潘宏伟", "0771-3920517", "南宁市西乡塘区科园大道"),
]
BIDDERS = [
    ("yongjiang", "广西邕江建设工程有限公司", "91", "450105", "61920358", "黄建明", "0771-4812306", "南宁市江南区星光大道"),
    ("bagui", "广西八桂路桥建设有限公司", "91", "450107", "62318475", "刘海涛", "0771-3217788", "南宁市西乡塘区秀灵路"),
    ("longcheng", "柳州龙城市政工程有限责任公司", "91", "450203", "71836204", "梁志坚", "0772-3612059", "柳州市鱼峰区荣军路"),
    ("hengtong", "鹿寨恒通建筑工程有限公司", "91", "450223", "72901536", "谢永福", "0772-6825317", "鹿寨县鹿寨镇飞鹿大道"),
    ("qingxiu", "南宁青秀智能科技有限公司", "91", "450103", "63471829", "周敏", "0771-5862014", "南宁市青秀区凤翔路"),
    ("beibuwan", "广西北部湾数字信息技术有限公司", "91", "450100", "64580217", "吴思远", "0771-2263380", "南宁市良庆区秋月路"),
    ("anda", "南宁市安达电子设备有限公司", "91", "450102", "65719340", "何立新", "0771-5608127", "南宁市兴宁区长堽路"),
    ("hongshuihe", "广西红水河环境服务有限公司", "91", "450102", "66832951", "蓝秀英", "0771-5371146", "南宁市兴宁区朝阳路"),
    ("lvcheng", "柳州绿城环境卫生服务有限公司", "91", "450202", "73028614", "覃永红", "0772-2857093", "柳州市城中区东环大道"),
    ("lijiang", "桂林漓江置业有限公司", "91", "450300", "81245097", "唐文博", "0773-2836651", "桂林市七星区漓江路"),
    ("jingui", "广西金桂投资发展有限公司", "91", "450100", "67953180", "农家宁", "0771-5578240", "南宁市青秀区民族大道"),
    ("hengji", "柳州恒基房地产开发有限公司", "91", "450202", "74162835", "邓国华", "0772-3828866", "柳州市城中区五星街"),
]

# Accounts: username, role, center code or organization key, full name.
ACCOUNTS = [
    ("staff.gx", Role.STAFF, "gxggzy", "李明哲"),
    ("staff.nanning", Role.STAFF, "nnggzy", "黄丽娟"),
    ("staff.liuzhou", Role.STAFF, "lzggzy", "韦志强"),
    ("staff.luzhai", Role.STAFF, "lzxggzy", "蓝海波"),
    ("supervisor.gx", Role.SUPERVISOR, "gxggzy", "莫卫东"),
    ("supervisor.liuzhou", Role.SUPERVISOR, "lzggzy", "梁静怡"),
    ("tenderee.nnjt", Role.TENDEREE, "nnjt", "陈志远"),
    ("tenderee.school", Role.TENDEREE, "school", "杨晓梅"),
    ("tenderee.lzzrzy", Role.TENDEREE, "lzzrzy", "韦建国"),
    ("tenderee.lzzj", Role.TENDEREE, "lzzj", "覃丽华"),
    ("tenderee.lzxzj", Role.TENDEREE, "lzxzj", "莫振兴"),
    ("tenderee.gxinvest", Role.TENDEREE, "gxinvest", "黎国强"),
    ("agent.huabiao", Role.AGENT, "huabiao", "蒋文静"),
    ("agent.guixin", Role.AGENT, "guixin", "潘宏伟"),
    *[(f"bidder.{key}", Role.BIDDER, key, contact) for key, _n, _a, _r, _o, contact, _p, _ad in BIDDERS],
    ("expert.01", Role.EXPERT, None, "黄志强"),
    ("expert.02", Role.EXPERT, None, "韦丽萍"),
    ("expert.03", Role.EXPERT, None, "覃建华"),
    ("expert.04", Role.EXPERT, None, "陆海燕"),
    ("expert.05", Role.EXPERT, None, "梁国栋"),
    ("expert.06", Role.EXPERT, None, "蒙晓东"),
    ("custodian.01", Role.CUSTODIAN, None, "赵文斌"),
    ("custodian.02", Role.CUSTODIAN, None, "罗佳琪"),
    ("custodian.03", Role.CUSTODIAN, None, "甘少华"),
    ("custodian.04", Role.CUSTODIAN, None, "卢明辉"),
    ("custodian.05", Role.CUSTODIAN, None, "邓雅琴"),
]


def make_code(kind: str, region: str, org8: str) -> str:
    """A unified social credit code with both its check characters (GB 11714, GB 32100)."""
    first17 = kind + region + org8 + uscc.org_code_check_character(org8)
    return first17 + uscc.check_character(first17)




# --- the projects ----------------------------------------------------------------------------


@dataclass
class LotSpec:
    number: int
    name: str
    budget: str
    method: str
    ceiling: str | None = None
    reserve: str | None = None
    security: str = "0"

    def as_service_dict(self) -> dict:
        money = lambda v: Decimal(v) if v is not None else None  # noqa: E731
        return {"number": self.number, "name": self.name, "budget": money(self.budget),
                "ceiling_price": money(self.ceiling), "reserve_price": money(self.reserve),
                "bid_security": money(self.security), "evaluation_method": self.method}


@dataclass
class ProjectSpec:
    stage: str  # the lot state the demo brings it to
    center: str
    by: str  # the account that registers it
    code: str
    name: str
    category: str
    region: str
    tenderee: str
    agent: str | None
    description: str
    lots: list[LotSpec]
    must_be_tendered: bool = True
    # Sealed bids, complete before the deadline, in the order they came in: bidder key → the
    # opening form it sealed (the tender's declared items, bidding.opening_form.DEFAULT_ITEMS).
    bids: dict[str, dict] = field(default_factory=dict)
    replaced: dict[str, dict] = field(default_factory=dict)  # an earlier version's form, replaced before the deadline
    award_price: str | None = None
    # The winning candidates, ranked (bidder keys), for a lot that reached publicity: what its
    # committee's summary ranks (demo/evaluated.py), or for a sale what its opening record ranks.
    candidates: list[str] = field(default_factory=list)

    @property
    def bidders(self) -> list[str]:
        return list(self.bids)


def works(price: str, days: int, quality: str, manager: str) -> dict:
    return {"price": price, "duration_days": days, "quality": quality, "project_manager": manager}


def goods(price: str, delivery_days: int, warranty_months: int) -> dict:
    return {"price": price, "delivery_days": delivery_days, "warranty_months": warranty_months}


def service(price: str, days: int) -> dict:
    return {"price": price, "service_period_days": days}


def offer(price: str) -> dict:
    return {"price": price}


W, G, SV, L, P = Category.WORKS, Category.GOODS, Category.SERVICES, Category.LAND, Category.PROPERTY
CS, LE, HP = EvaluationMethod.COMPREHENSIVE, EvaluationMethod.LOWEST_EVALUATED, EvaluationMethod.HIGHEST_PRICE

# The live-opening tender: its deadline is OPENING_IN minutes after loading (rounded up to the
# minute), its notice published at 10:00 LIVE_NOTICE_DAYS days before the deadline's day, so the
# legal 20 days from documents to deadline (招标投标法 第二十四条) are kept.
LIVE_OPENING = "NN2026-GC-0047"
OPENING_IN = 20  # minutes, the default of --opening-in
OPENING_IN_LIMITS = (2, 7 * 24 * 60)  # time to load the bids before the deadline; a notice in the past
LIVE_NOTICE_DAYS = 21
# Each live bidder's opening form (the works items: price, duration_days, quality, project_manager).
# 鹿寨恒通 bids above the ceiling price (4,750,000.00): the reading of the record flags it.
LIVE_BIDS = {
    "yongjiang": ("4598600.00", 115, "合格", "黄伟强"),
    "bagui": ("4536280.50", 110, "优良", "刘振华"),
    "longcheng": ("4681900.00", 120, "合格", "梁文斌"),
    "hengtong": ("4826500.00", 118, "合格", "谢志勇"),
}

PROJECTS = [
    ProjectSpec(
        stage=LotState.CONTRACTED, center="nnggzy", by="staff.nanning", code="NN2026-ZC-0088",
        name="南宁市交通运输综合行政执法支队执法记录仪及配套设备采购", category=G, region="450100",
        tenderee="nnjt", agent="huabiao",
        description="采购执法记录仪420台、采集工作站18套及管理平台软件1套，含安装调试、培训和三年质保。",
        lots=[LotSpec(1, "执法记录仪及配套设备", "2180000", LE, ceiling="2100000", security="40000")],
        bids={"qingxiu": goods("1876500.00", 30, 36), "beibuwan": goods("1935800.00", 25, 36),
              "anda": goods("2012000.00", 35, 48)},
        award_price="1876500", candidates=["qingxiu", "beibuwan", "anda"],
    ),
    ProjectSpec(
        stage=LotState.AWARDED, center="lzggzy", by="staff.liuzhou", code="LZ2026-TD-0008",
        name="柳州市柳南区航岭路北侧P2026-08号地块国有建设用地使用权挂牌出让", category=L, region="450204",
        tenderee="lzzrzy", agent=None, must_be_tendered=False,
        description="出让面积32416.5平方米，用途为城镇住宅用地，出让年限70年，容积率1.0—2.8。价高者得。",
        lots=[LotSpec(1, "P2026-08号地块（城镇住宅用地）", "48600000", HP, reserve="48600000", security="972000")],
        bids={"lijiang": offer("51030000.00"), "hengji": offer("53460000.00"), "jingui": offer("49572000.00")},
        award_price="53460000", candidates=["hengji", "lijiang", "jingui"],
    ),
    ProjectSpec(
        stage=LotState.FAILED, center="lzxggzy", by="staff.luzhai", code="LZX2026-ZC-0009",
        name="鹿寨县城区道路清扫保洁及垃圾清运服务采购", category=SV, region="450223",
        tenderee="lzxzj", agent="huabiao",
        description="鹿寨县城区主次干道约86万平方米的清扫保洁和生活垃圾清运，服务期两年。",
        lots=[LotSpec(1, "城区道路清扫保洁及垃圾清运", "2360000", CS, ceiling="2300000", security="46000")],
        bids={"hongshuihe": service("2218000.00", 730), "lvcheng": service("2196500.00", 730)},
        replaced={"lvcheng": service("2265000.00", 730)},
    ),
    ProjectSpec(
        stage=LotState.PUBLICITY, center="gxggzy", by="staff.gx", code="GX2026-CQ-0015",
        name="广西某某投资集团有限公司所持南宁某某物业服务有限公司40%股权转让", category=P, region="450100",
        tenderee="gxinvest", agent=None, must_be_tendered=False,
        description="转让标的为南宁某某物业服务有限公司40%股权，挂牌底价以经备案的资产评估结果为依据，网络竞价，价高者得。",
        lots=[LotSpec(1, "南宁某某物业服务有限公司40%股权", "6800000", HP, reserve="6800000", security="136000")],
        bids={"jingui": offer("7276000.00"), "lijiang": offer("7072000.00"), "hengji": offer("6936000.00")},
        candidates=["jingui", "lijiang", "hengji"],
    ),
    ProjectSpec(
        stage=LotState.EVALUATION, center="lzggzy", by="staff.liuzhou", code="LZ2026-GC-0056",
        name="柳州市柳东新区官塘大道雨污分流改造工程施工", category=W, region="450200",
        tenderee="lzzj", agent="guixin",
        description="官塘大道（新柳大道至雒容大道段）雨污分流改造，新建污水管道约6.2公里，计划工期240日历天。",
        lots=[LotSpec(1, "施工总承包", "9780000", CS, ceiling="9500000", security="190000")],
        bids={"longcheng": works("9186400.00", 230, "优良", "梁建华"),
              "yongjiang": works("9243750.00", 240, "合格", "黄伟强"),
              "bagui": works("9098500.00", 225, "优良", "刘振华"),
              "hengtong": works("9321000.00", 240, "合格", "谢志勇")},
        replaced={"longcheng": works("9312000.00", 240, "合格", "梁建华")},
    ),
    ProjectSpec(
        stage=LotState.PUBLISHED, center="nnggzy", by="staff.nanning", code="NN2026-GC-0031",
        name="南宁市那安快速路沿线慢行系统提升改造工程施工", category=W, region="450100",
        tenderee="nnjt", agent="guixin",
        description="那安快速路沿线人行道、非机动车道及过街设施提升改造，全长约11.4公里，分两个标段招标。",
        lots=[
            LotSpec(1, "第一标段（那洪立交至星光大道段）", "18600000", CS, ceiling="18200000", security="360000"),
            LotSpec(2, "第二标段（星光大道至那历路段）", "12400000", CS, ceiling="12150000", security="240000"),
        ],
    ),
    ProjectSpec(
        stage=LotState.PUBLISHED, center="gxggzy", by="staff.gx", code="GX2026-ZC-0107",
        name="广西某某职业技术学校智慧教室建设设备采购", category=G, region="450107",
        tenderee="school", agent="huabiao",
        description="新建智慧教室60间，采购智慧黑板、教学终端及常态化录播系统，分两个包采购。",
        lots=[
            LotSpec(1, "第1包：智慧黑板及教学终端", "3860000", CS, ceiling="3860000", security="38000"),
            LotSpec(2, "第2包：常态化录播系统", "1450000", LE, ceiling="1450000", security="14000"),
        ],
    ),
    ProjectSpec(
        stage=LotState.DRAFT, center="lzggzy", by="agent.huabiao", code="LZ2026-ZC-0042",
        name="柳州市国土空间规划实施监测评估服务（2026—2028年度）", category=SV, region="450200",
        tenderee="lzzrzy", agent="huabiao",
        description="开展国土空间总体规划实施年度体检和五年评估，建设监测指标数据库，服务期三年。",
        lots=[LotSpec(1, "国土空间规划实施监测评估服务", "1280000", CS, ceiling="1250000", security="25000")],
    ),
    # Last, so that the other projects' lot ids stay those of the earlier demo (the README names one).
    ProjectSpec(
        stage=LotState.PUBLISHED, center="nnggzy", by="staff.nanning", code=LIVE_OPENING,
        name="南宁市青秀区竹溪大道人行道及排水设施修缮工程施工", category=W, region="450103",
        tenderee="nnjt", agent="guixin",
        description="竹溪大道（民族大道至青环路段）人行道破损铺装翻修、无障碍设施完善及雨水口、检查井修缮，"
                    "全长约3.2公里，计划工期120日历天。",
        lots=[LotSpec(1, "施工总承包", "4860000", CS, ceiling="4750000", security="95000")],
        bids={key: works(*form) for key, form in LIVE_BIDS.items()},
    ),
]

# When each stage happened, in days relative to today (server clock, Beijing time).
#                       publish, deadline, candidates published, award, contract
TIMELINE = {
    LotState.CONTRACTED: (-80, -55, -53, -49, -30),
    LotState.AWARDED: (-52, -24, -22, -18, None),
    LotState.FAILED: (-40, -12, None, None, None),
    LotState.PUBLICITY: (-34, -6, -1, None, None),
    LotState.EVALUATION: (-31, -3, None, None, None),
}
OPEN_TIMELINE = {"NN2026-GC-0031": (-2, 27), "GX2026-ZC-0107": (-1, 26)}

# Sealed bids: how many of the five custodians open, and the published range of the random
# coefficient K (low, high, step) where the opening draws one.
CUSTODIANS_NEEDED = 3
K_RANGES = {code: ("0.02", "0.05", "0.0005") for code in ("LZ2026-GC-0056", "NN2026-GC-0031", LIVE_OPENING)}
# Rules beyond the defaults (bidders decrypt their own bids): the live tender names the
# custodians' remedy, so a bid its bidder does not decrypt in time can be opened with 3 shares.
MORE_RULES = {LIVE_OPENING: {"remedy_custodian_stanza": True}}
# At a past opening: a bidder's objection to the record, and the host's answer on the spot.
OBJECTIONS = {
    "LZ2026-GC-0056": (
        "bagui",
        "柳州龙城市政工程有限责任公司的工期为230日历天，短于其他投标人，请说明是否已包含雨季施工的影响。",
        "开标记录如实宣读各投标人密封的开标项。工期230日历天不超过招标文件规定的240日历天；"
        "其施工组织安排是否合理、是否响应招标文件的实质性要求，由评标委员会依法评审。",
    ),
}
DEMO_SHORTCUT = (
    "DEMO SHORTCUT ONLY: these key files stand for what each custodian or bidder keeps in its own browser; "
    "in real use such a key never leaves it and nobody else holds a copy."
)

NOTICE_TITLES = {
    W: ("招标公告", "招标文件"),
    G: ("公开招标公告", "招标文件"),
    SV: ("公开招标公告", "招标文件"),
    L: ("国有建设用地使用权挂牌出让公告", "挂牌出让文件"),
    P: ("产权转让公告", "产权转让竞价文件"),
}


def spec_of(code: str) -> ProjectSpec:
    return next(spec for spec in PROJECTS if spec.code == code)


def staff_username(center: str) -> str:
    """The staff account of a center: it publishes the center's tenders and hosts their openings."""
    return next(u for u, role, where, _ in ACCOUNTS if role == Role.STAFF and where == center)


def supervisor_username(center: str) -> str | None:
    """The supervisor who watches a center's openings (监标人): its own, else its nearest parent's."""
    parents = {code: parent for code, _n, _l, _r, parent in CENTERS}
    while center is not None:
        found = [u for u, role, where, _ in ACCOUNTS if role == Role.SUPERVISOR and where == center]
        if found:
            return found[0]
        center = parents[center]
    return None
