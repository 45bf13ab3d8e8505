"""The demo's expert pool: about sixty experts of the province center's pool, made deterministically.

Names, employers, regions and specialties are drawn in a fixed order from the lists below, so
every load makes the same pool; identity card numbers are valid (GB 11643: the region, a date
of birth, an order number, the check character). All fictional. A few experts work or worked for
demo bidders (by their credit codes) or declared a relation with one, so that a draw for a lot
those bidders bid in screens them out, each with its reason.
"""

from dataclasses import dataclass, field
from datetime import date

from evaluation import idcard

POOL_CENTER = "gxggzy"  # the province center keeps the pool (三级联网)
KEEPER = "staff.gx"  # the pool's keeper who reviews the applications
# expert.01 … expert.06 are the demo's login accounts (data.ACCOUNTS); the others are made here.
APPROVED = 60
PENDING = 4
SUSPENDED_AT = 59  # the 59th approved expert is suspended, with the reason below
SUSPENSION_REASON = "2026年第三季度无正当理由两次拒绝参加已确认的评标活动，暂停抽取六个月。"

SURNAMES = "黄韦覃陆梁蒙莫蓝农李刘陈张杨周吴何罗唐廖谢邓卢甘潘钟苏石麦朱"
GIVEN = ["志明", "丽华", "建国", "海燕", "国栋", "晓东", "秀英", "文斌", "佳琪", "少华", "明辉", "雅琴", "振华",
         "永红", "思远", "立新", "家宁", "文静", "宏伟", "建华", "春梅", "伟强", "桂芳", "德胜", "玉兰", "绍东",
         "锦涛", "慧敏", "嘉怡", "子健", "瑞林"]
TITLES = ["高级工程师", "正高级工程师", "教授级高级工程师", "高级经济师", "注册造价工程师", "副教授", "教授",
          "高级会计师", "注册监理工程师", "一级注册建造师"]
# Regions: 南宁 (4501xx), 柳州 (4502xx) and 鹿寨 (450223), and cities without a demo center, so
# that a draw from outside the lot's region (异地抽取) has experts to draw.
REGIONS = ["450103", "450107", "450102", "450105", "450203", "450204", "450202", "450223", "450305", "450403",
           "450502", "450902", "451002", "451202", "450108", "450205"]
# The first specialty of each expert, in turn: the demo's lots need 给水排水, 道路与桥梁 and
# 工程造价 most (LZ2026-GC-0056), then goods and services.
FIRST = ["A0202", "A0201", "A0601", "B0101", "A0202", "B0105", "A0201", "C0101", "A0601", "A0101",
         "A0202", "A0205", "C0102", "A0201", "A0104", "A0601", "A0301", "C0103", "B0101", "A0102"]
SECOND = ["A0601", "A0105", "C0104", "A0203", "B0103", "A0401", "C0105", "A0204", "A0501", "D0101",
          "A0602", "B0102", "A0103", "D0102", "A0302", "B0104", "A0402", "A0502", "A0303", "A0403", "A0503",
          "A0304"]
# Employers that are not demo parties: (name, region, 8-digit organization code) or no code.
EMPLOYERS = [
    ("广西大学土木建筑工程学院", "450100", "49850001"), ("广西交通设计集团有限公司", "450100", "19850002"),
    ("柳州市城市规划设计研究院", "450200", "49850003"), ("南宁市勘察测绘地理信息院", "450100", "49850004"),
    ("广西壮族自治区水利电力勘测设计研究院", "450000", "49850005"), ("广西建设职业技术学院", "450100", "49850006"),
    ("桂林理工大学", "450300", "49850007"), ("广西华蓝工程管理有限公司", "450100", "19850008"),
    ("柳州市政设施维护管理处", "450200", None), ("广西财经学院", "450100", "49850010"),
    ("梧州市建筑设计院", "450400", "19850011"), ("北海市市政工程设计所", "450500", None),
]
# Experts employed by a demo bidder now (index of the approved expert → bidder key), employed by
# one until recently (ended within the look-back of 3 years), or with a declared relation.
EMPLOYED_BY_BIDDER = {9: "longcheng", 22: "yongjiang", 35: "qingxiu"}
EARLIER_AT_BIDDER = {12: ("bagui", date(2019, 3, 1), date(2025, 6, 30)),
                     27: ("hengtong", date(2016, 9, 1), date(2024, 12, 31)),
                     40: ("beibuwan", date(2015, 1, 1), date(2020, 8, 31))}  # ended over 3 years ago: drawn
COMPANY_RELATIONS = {4: ("longcheng", "配偶在该公司任项目经理"), 31: ("bagui", "本人曾持有该公司股份")}
PERSON_RELATIONS = {18: ("黄建明", "表兄弟（广西邕江建设工程有限公司负责人）")}
AWAY = {1: (1, 3, "出差"), 7: (0, 10, "病假"), 15: (2, 2, "外出培训")}  # days from the load: first, last, note


@dataclass
class ExpertSpec:
    index: int  # 1-based, in the order loaded
    username: str
    full_name: str
    id_number: str
    title: str
    region_code: str
    phone: str
    specialties: list[str]
    employer: tuple  # (name, region, org8 or None), or ("bidder", key)
    employed_since: date
    earlier: list[tuple] = field(default_factory=list)  # (name, region, org8) or ("bidder", key), start, end
    status: str = "approved"


def id_number(region: str, index: int) -> str:
    born = date(1958 + index % 28, index % 12 + 1, index % 27 + 1)
    first17 = f"{region}{born:%Y%m%d}{index:03d}"
    return first17 + idcard.check_character(first17)


def spec(index: int, username: str, full_name: str, status: str = "approved") -> ExpertSpec:
    region = REGIONS[index % len(REGIONS)]
    first = FIRST[index % len(FIRST)]
    chosen = [first]
    if index % 2 == 0:
        second = SECOND[(index // 2) % len(SECOND)]
        if second != first:
            chosen.append(second)
    if index % 5 == 0 and "A0601" not in chosen:
        chosen.append("A0601")
    employer = ("bidder", EMPLOYED_BY_BIDDER[index]) if index in EMPLOYED_BY_BIDDER else EMPLOYERS[index % len(EMPLOYERS)]
    since = date(2008 + index % 15, index % 12 + 1, 1)
    earlier = []
    if index in EARLIER_AT_BIDDER:
        key, start, end = EARLIER_AT_BIDDER[index]
        earlier.append((("bidder", key), start, end))
        since = date(end.year + (1 if end.month == 12 else 0), end.month % 12 + 1, 1)
    elif index % 3 == 0:
        earlier.append((EMPLOYERS[(index + 5) % len(EMPLOYERS)], date(since.year - 8, 7, 1), date(since.year - 1, 12, 31)))
    return ExpertSpec(index=index, username=username, full_name=full_name, id_number=id_number(region, index),
                      title=TITLES[index % len(TITLES)], region_code=region, phone=f"1397{region[2:4]}{index:05d}",
                      specialties=chosen, employer=employer, employed_since=since, earlier=earlier, status=status)


def experts(login_accounts: list[tuple[str, str]]) -> list[ExpertSpec]:
    """The pool, in the order loaded: the demo's expert login accounts first (username, full
    name), then the others; the last PENDING are applications waiting for review."""
    specs = []
    for index in range(1, APPROVED + PENDING + 1):
        if index <= len(login_accounts):
            username, full_name = login_accounts[index - 1]
        else:
            username = f"expert.{index:02d}"
            full_name = SURNAMES[(index * 7) % len(SURNAMES)] + GIVEN[(index * 11) % len(GIVEN)]
        status = "pending" if index > APPROVED else "suspended" if index == SUSPENDED_AT else "approved"
        specs.append(spec(index, username, full_name, status))
    return specs
