"""`python manage.py load_demo`: a demo trading network in Guangxi, loaded once.

Four centers (自治区, 南宁, 柳州, 鹿寨), their staff and supervisors, tenderees, agents,
bidders, experts and key custodians, and nine projects at every stage of the lifecycle, one
or more in each category. Everything that the services can do is done through them
(trading.services), with `now=` set in the past where a stage needs a past deadline, so the
audit trail is the real one and `manage.py verify_audit` passes. The audit events themselves
carry the real time of loading: the chain is never back-dated.

The open tenders can take sealed bids: the five key custodians have registered keys, and each
open tender had its sealing rules set and its 3-of-5 key ceremony dealt while still a draft
(bidding/demo.py, the bidding floor's part of the demo). DEMO SHORTCUT: the custodians' key
files, which in use never leave their browsers, are written to KAIBIAO_DEMO_KEYS_DIR
(var/demo-keys/) so the walk-through can act as a custodian at the opening.

One more open tender is there to walk the live opening hall (不见面开标) at once: its deadline is
a few minutes after loading (`--opening-in MINUTES`, default 20; its notice was published 21
days before, with the service's `now=`, so the 20 days of 招标投标法 第二十四条 are kept). Four
demo bidders sealed and uploaded a bid to it through the upload service (each with its signed
receipt), and their key files are written beside the custodians' ones (DEMO SHORTCUT too: a
bidder's key never leaves its browser). At the deadline the task worker closes bidding and the
hall opens.

Idempotent: the province center's code is the marker; a second run changes nothing and says so.
All names, codes and figures are fictional. Every account has the password DEMO_PASSWORD.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from trading import lifecycle, services, uscc
from trading.clock import local_text
from trading.choices import Category, CenterLevel, EvaluationMethod, LotState, NoticeKind, Role
from trading.errors import DomainError
from trading.models import Center, Organization, Project, User

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
    bidders: list[str] = field(default_factory=list)  # complete bids at the deadline
    replaced: list[str] = field(default_factory=list)  # bidders who replaced a first version
    award_price: str | None = None


W, G, SV, L, P = Category.WORKS, Category.GOODS, Category.SERVICES, Category.LAND, Category.PROPERTY
CS, LE, HP = EvaluationMethod.COMPREHENSIVE, EvaluationMethod.LOWEST_EVALUATED, EvaluationMethod.HIGHEST_PRICE

PROJECTS = [
    ProjectSpec(
        stage=LotState.CONTRACTED, center="nnggzy", by="staff.nanning", code="NN2026-ZC-0088",
        name="南宁市交通运输综合行政执法支队执法记录仪及配套设备采购", category=G, region="450100",
        tenderee="nnjt", agent="huabiao",
        description="采购执法记录仪420台、采集工作站18套及管理平台软件1套，含安装调试、培训和三年质保。",
        lots=[LotSpec(1, "执法记录仪及配套设备", "2180000", LE, ceiling="2100000", security="40000")],
        bidders=["qingxiu", "beibuwan", "anda"], award_price="1876500",
    ),
    ProjectSpec(
        stage=LotState.AWARDED, center="lzggzy", by="staff.liuzhou", code="LZ2026-TD-0008",
        name="柳州市柳南区航岭路北侧P2026-08号地块国有建设用地使用权挂牌出让", category=L, region="450204",
        tenderee="lzzrzy", agent=None, must_be_tendered=False,
        description="出让面积32416.5平方米，用途为城镇住宅用地，出让年限70年，容积率1.0—2.8。价高者得。",
        lots=[LotSpec(1, "P2026-08号地块（城镇住宅用地）", "48600000", HP, reserve="48600000", security="972000")],
        bidders=["lijiang", "hengji", "jingui"], award_price="53460000",
    ),
    ProjectSpec(
        stage=LotState.FAILED, center="lzxggzy", by="staff.luzhai", code="LZX2026-ZC-0009",
        name="鹿寨县城区道路清扫保洁及垃圾清运服务采购", category=SV, region="450223",
        tenderee="lzxzj", agent="huabiao",
        description="鹿寨县城区主次干道约86万平方米的清扫保洁和生活垃圾清运，服务期两年。",
        lots=[LotSpec(1, "城区道路清扫保洁及垃圾清运", "2360000", CS, ceiling="2300000", security="46000")],
        bidders=["hongshuihe", "lvcheng"], replaced=["lvcheng"],
    ),
    ProjectSpec(
        stage=LotState.PUBLICITY, center="gxggzy", by="staff.gx", code="GX2026-CQ-0015",
        name="广西某某投资集团有限公司所持南宁某某物业服务有限公司40%股权转让", category=P, region="450100",
        tenderee="gxinvest", agent=None, must_be_tendered=False,
        description="转让标的为南宁某某物业服务有限公司40%股权，挂牌底价以经备案的资产评估结果为依据，网络竞价，价高者得。",
        lots=[LotSpec(1, "南宁某某物业服务有限公司40%股权", "6800000", HP, reserve="6800000", security="136000")],
        bidders=["jingui", "lijiang", "hengji"],
    ),
    ProjectSpec(
        stage=LotState.EVALUATION, center="lzggzy", by="staff.liuzhou", code="LZ2026-GC-0056",
        name="柳州市柳东新区官塘大道雨污分流改造工程施工", category=W, region="450200",
        tenderee="lzzj", agent="guixin",
        description="官塘大道（新柳大道至雒容大道段）雨污分流改造，新建污水管道约6.2公里，计划工期240日历天。",
        lots=[LotSpec(1, "施工总承包", "9780000", CS, ceiling="9500000", security="190000")],
        bidders=["longcheng", "yongjiang", "bagui", "hengtong"], replaced=["longcheng"],
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
        stage=LotState.PUBLISHED, center="nnggzy", by="staff.nanning", code="NN2026-GC-0047",
        name="南宁市青秀区竹溪大道人行道及排水设施修缮工程施工", category=W, region="450103",
        tenderee="nnjt", agent="guixin",
        description="竹溪大道（民族大道至青环路段）人行道破损铺装翻修、无障碍设施完善及雨水口、检查井修缮，"
                    "全长约3.2公里，计划工期120日历天。",
        lots=[LotSpec(1, "施工总承包", "4860000", CS, ceiling="4750000", security="95000")],
        bidders=["yongjiang", "bagui", "longcheng", "hengtong"],
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

# The live-opening tender: its deadline is OPENING_IN minutes after loading (rounded up to the
# minute), its notice published at 10:00 LIVE_NOTICE_DAYS days before the deadline's day, so the
# legal 20 days from documents to deadline (招标投标法 第二十四条) are kept.
LIVE_OPENING = "NN2026-GC-0047"
OPENING_IN = 20  # minutes, the default of --opening-in
OPENING_IN_LIMITS = (2, 7 * 24 * 60)  # time to load the bids before the deadline; a notice in the past
LIVE_NOTICE_DAYS = 21
# Each bidder's opening form (the works items: price, duration_days, quality, project_manager).
# 鹿寨恒通 bids above the ceiling price (4,750,000.00): the reading of the record flags it.
LIVE_BIDS = {
    "yongjiang": ("4598600.00", 115, "合格", "黄伟强"),
    "bagui": ("4536280.50", 110, "优良", "刘振华"),
    "longcheng": ("4681900.00", 120, "合格", "梁文斌"),
    "hengtong": ("4826500.00", 118, "合格", "谢志勇"),
}

# Sealed bids for the open tenders: how many of the five custodians open, and the published
# range of the random coefficient K (low, high, step) where the opening draws one.
CUSTODIANS_NEEDED = 3
K_RANGES = {"NN2026-GC-0031": ("0.02", "0.05", "0.0005"), LIVE_OPENING: ("0.02", "0.05", "0.0005")}
# Rules beyond the defaults (bidders decrypt their own bids): the live tender names the
# custodians' remedy, so a bid its bidder does not decrypt in time can be opened with 3 shares.
MORE_RULES = {LIVE_OPENING: {"remedy_custodian_stanza": True}}
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

# --- tender documents, made in memory ---------------------------------------------------------

PDF_FONT = "STSong-Light"  # one of ReportLab's built-in CID fonts: no font file needed


def pdf(title: str, paragraphs: list[str]) -> bytes:
    """A small A4 PDF; a paragraph starting with '#' is a heading."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    buf = io.BytesIO()
    page_w, page_h = A4
    margin = 60
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(title)
    c.setAuthor("开标 Kaibiao 演示数据")

    def footer():
        c.setFont(PDF_FONT, 8)
        c.drawCentredString(page_w / 2, 30, "开标 Kaibiao 演示数据：名称、代码与金额均为虚构，不具有法律效力。")

    c.setFont(PDF_FONT, 16)
    c.drawCentredString(page_w / 2, page_h - margin, title)
    y = page_h - margin - 36
    for para in paragraphs:
        heading = para.startswith("#")
        size = 12.5 if heading else 10.5
        text = para.lstrip("# ")
        lines, line = [], ""
        for ch in text:
            if pdfmetrics.stringWidth(line + ch, PDF_FONT, size) > page_w - 2 * margin:
                lines.append(line)
                line = ch
            else:
                line += ch
        lines.append(line)
        if heading:
            y -= 8
        for line in lines:
            if y < margin + 20:
                footer()
                c.showPage()
                y = page_h - margin
            c.setFont(PDF_FONT, size)
            c.drawString(margin, y, line)
            y -= size * 1.7
    footer()
    c.save()
    return buf.getvalue()


def local(value) -> str:
    return timezone.localtime(value).strftime("%Y年%m月%d日 %H:%M")


def yuan(value) -> str:
    return f"{Decimal(value):,.2f}元"


def method_name(category: str, method: str) -> str:
    if method == EvaluationMethod.LOWEST_EVALUATED:
        return "经评审的最低投标价法" if category == Category.WORKS else "最低评标价法"
    return {EvaluationMethod.COMPREHENSIVE: "综合评分法", EvaluationMethod.HIGHEST_PRICE: "价高者得"}[method]


def tender_paragraphs(spec: ProjectSpec, tenderee: Organization, agent: Organization | None, deadline) -> list[str]:
    sale = spec.category in Category.price_sales()
    who = "竞买人" if sale else "投标人"
    paras = [
        "#一、项目概况",
        f"项目编号：{spec.code}。项目名称：{spec.name}。{spec.description}",
        f"{'出让人/转让方' if sale else '招标人'}：{tenderee.name}（统一社会信用代码 {tenderee.uscc}），"
        f"联系人：{tenderee.contact_name}，电话：{tenderee.contact_phone}。"
        + (f"招标代理机构：{agent.name}，联系人：{agent.contact_name}，电话：{agent.contact_phone}。" if agent else ""),
        "#二、标段划分与金额",
    ]
    for lot in spec.lots:
        unit = "标段" if spec.category == W else "宗" if sale else "包"
        parts = [lot.name if lot.name.startswith("第") else f"第{lot.number}{unit}：{lot.name}"]
        if sale:
            parts.append(f"挂牌起始价（底价）{yuan(lot.reserve)}，价高者得")
        else:
            parts.append(f"预算金额{yuan(lot.budget)}")
            if lot.ceiling:
                parts.append(f"最高投标限价{yuan(lot.ceiling)}")
        parts.append(f"{'竞买' if sale else '投标'}保证金{yuan(lot.security)}")
        parts.append(("成交方式：" if sale else "评标办法：") + method_name(spec.category, lot.method))
        paras.append("；".join(str(p) for p in parts) + "。")
    paras += [
        "#三、资格要求",
        f"{who}须为中华人民共和国境内依法注册的法人或其他组织，具有良好的商业信誉，近三年内在经营活动中没有重大违法记录，"
        f"未被列入失信被执行人名单。" + ("本项目不接受联合体投标。" if not sale else ""),
        "#四、文件获取",
        f"{who}在本平台注册并登录后免费下载{NOTICE_TITLES[spec.category][1]}，平台记录下载单位与时间。",
        "#五、递交截止与开标",
        f"{'投标' if not sale else '竞买'}截止时间（即开标时间）：{local(deadline)}（北京时间，以平台服务器时间为准）。"
        f"{who}应在截止时间前通过本平台上传加密的{'投标' if not sale else '竞买'}文件；逾期上传的，平台不予接收。",
        "本项目实行远程不见面开标，投标人无需到达现场，在开标大厅在线签到、解密并确认开标记录。",
        "#六、其他",
        "依法必须招标的项目，自招标文件开始发出之日起至投标截止之日止不少于二十日（《招标投标法》第二十四条）；"
        "截止时有效投标不足三家的不予开标，依法重新招标（《招标投标法实施条例》第四十四条）。",
    ]
    return paras


# --- the loader -------------------------------------------------------------------------------


def opening_deadline(now, minutes: int):
    """`minutes` after `now`, rounded up to the whole minute."""
    at = now + timedelta(minutes=minutes)
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1) if at.second or at.microsecond else at


class Demo:
    def __init__(self, now, opening_in: int = OPENING_IN):
        self.now = now
        self.today = timezone.localdate(now)
        self.opening_deadline = opening_deadline(now, opening_in)
        self.centers: dict[str, Center] = {}
        self.orgs: dict[str, Organization] = {}
        self.users: dict[str, User] = {}
        # The bidding floor's part of the demo, reached at run time as the Bid table is below:
        # the ground floor does not import a higher one.
        self.sealing = import_module("bidding.demo")
        self.custodians = []  # bidding.demo.DemoCustodian: each user with its key file
        self.live_bidders = []  # bidding.demo.DemoBidder: the live tender's sealed bids, with key files

    def at(self, days: int, hour: int, minute: int = 0):
        return timezone.make_aware(datetime.combine(self.today + timedelta(days=days), time(hour, minute)))

    # parties

    def load_parties(self):
        for code, name, level, region, parent in CENTERS:
            self.centers[code] = _saved(Center(code=code, name=name, level=level, region_code=region,
                                               parent=self.centers.get(parent)))
        for key, name, kind, region, org8, contact, phone, address in TENDEREES + AGENTS:
            self.orgs[key] = _saved(Organization(name=name, uscc=make_code(kind, region, org8), contact_name=contact,
                                                 contact_phone=phone, address=address))
        # Bidders register themselves, as on the registration page (the service audits it).
        for key, name, kind, region, org8, contact, phone, address in BIDDERS:
            user = services.register_bidder(
                username=f"bidder.{key}", password=DEMO_PASSWORD, full_name=contact, organization_name=name,
                uscc=make_code(kind, region, org8), contact_phone=phone, address=address,
            )
            self.users[user.username] = user
            self.orgs[key] = user.organization
        # Center and pool accounts: one password hash for all (hashing is slow by design).
        hashed = None
        for username, role, where, full_name in ACCOUNTS:
            if role == Role.BIDDER:
                continue
            user = User(username=username, role=role, full_name=full_name,
                        center=self.centers.get(where) if role in (Role.STAFF, Role.SUPERVISOR) else None,
                        organization=self.orgs.get(where) if role in (Role.TENDEREE, Role.AGENT) else None)
            try:
                validate_password(DEMO_PASSWORD, user)
            except ValidationError as err:
                raise CommandError(f"The demo password is refused for {username}: {' '.join(err.messages)}") from err
            hashed = hashed or make_password(DEMO_PASSWORD)
            user.password = hashed
            self.users[username] = _saved(user)
        # Each custodian registers its key, as on its /custodian/ page.
        self.custodians = self.sealing.register_custodian_keys(
            [self.users[username] for username, role, _w, _n in ACCOUNTS if role == Role.CUSTODIAN])

    # projects

    def load_projects(self):
        for spec in PROJECTS:
            self.load_project(spec)

    def staff_of(self, spec: ProjectSpec) -> User:
        return next(self.users[u] for u, role, where, _ in ACCOUNTS if role == Role.STAFF and where == spec.center)

    def load_project(self, spec: ProjectSpec):
        author = self.users[spec.by]
        staff = self.staff_of(spec)
        project = services.create_project(
            actor=author, center=self.centers[spec.center], lots=[lot.as_service_dict() for lot in spec.lots],
            code=spec.code, name=spec.name, category=spec.category, region_code=spec.region,
            tenderee=self.orgs[spec.tenderee], agent=self.orgs.get(spec.agent) if spec.agent else None,
            description=spec.description, must_be_tendered=spec.must_be_tendered,
        )
        if spec.code == LIVE_OPENING:
            deadline = self.opening_deadline
            published_at = timezone.make_aware(datetime.combine(
                timezone.localdate(deadline) - timedelta(days=LIVE_NOTICE_DAYS), time(10)))
        else:
            if spec.stage in TIMELINE:
                publish_day, deadline_day, publicize_day, award_day, contract_day = TIMELINE[spec.stage]
            elif spec.stage == LotState.PUBLISHED:
                publish_day, deadline_day = OPEN_TIMELINE[spec.code]
            else:
                publish_day, deadline_day = None, 30  # the planned deadline, named in the draft documents
            deadline = self.at(deadline_day, 9, 30)
            published_at = self.at(publish_day, 10) if publish_day is not None else None
        notice_title, doc_title = NOTICE_TITLES[spec.category]
        paragraphs = tender_paragraphs(spec, project.tenderee, project.agent, deadline)
        self.upload(author, project, doc_title, f"{spec.code}-{doc_title}.pdf", [f"#{spec.name}", *paragraphs])
        if spec.category == W:
            self.upload(author, project, "工程量清单及最高投标限价", f"{spec.code}-工程量清单.pdf", [
                f"#{spec.name}",
                *[f"{lot.name}：最高投标限价{yuan(lot.ceiling)}，其中安全文明施工费不可竞争。" for lot in spec.lots],
                "清单项目编码、名称、计量单位和工程量以本清单为准，投标人不得擅自修改。",
            ])
        if published_at is None:
            return project  # a draft: registered, documents uploaded, waiting for the center's staff
        if spec.stage == LotState.PUBLISHED:
            # While still a draft: sealing rules, custodians invited, the opening key dealt.
            self.sealing.prepare_open_tender(staff=staff, project=project, custodians=self.custodians,
                                             k=CUSTODIANS_NEEDED, k_range=K_RANGES.get(spec.code),
                                             **MORE_RULES.get(spec.code, {}))
        services.publish_project(
            actor=staff, project=project, bid_deadline=deadline, now=published_at,
            notice_title=f"{spec.name}{notice_title}", notice_body="\n".join(p.lstrip("# ") for p in paragraphs),
        )
        project.refresh_from_db()  # the service saved its own copy (deadline, publication time)
        if spec.code == LIVE_OPENING:
            self.seal_live_bids(spec, project)
            return project
        if spec.stage == LotState.PUBLISHED:
            self.open_for_bidding(spec, project, staff)
            return project

        # Bids, complete before the deadline (the bidding floor's rows; its upload service comes later).
        for i, key in enumerate(spec.bidders):
            completed = deadline - timedelta(days=len(spec.bidders) - i, hours=3, minutes=17 * i)
            self.bid(project, key, completed, replaced=key in spec.replaced)
        for lot in project.lots.order_by("number"):
            self.advance(spec, lot, staff, deadline,
                         self.at(publicize_day, 10) if publicize_day is not None else None,
                         self.at(award_day, 10) if award_day is not None else None,
                         self.at(contract_day, 15) if contract_day is not None else None)
        return project

    def upload(self, actor: User, project: Project, title: str, filename: str, paragraphs: list[str], notice=None):
        content = SimpleUploadedFile(filename, pdf(title, paragraphs), content_type="application/pdf")
        return services.add_document(actor=actor, project=project, title=title, uploaded_file=content, notice=notice)

    def open_for_bidding(self, spec: ProjectSpec, project: Project, staff: User):
        if spec.category == W:
            # The agent answers a question; the center publishes an amendment with a revised list.
            services.publish_notice(
                actor=self.users[f"agent.{spec.agent}"], project=project, kind=NoticeKind.CLARIFICATION,
                title=f"{spec.name}澄清（一）：关于联合体投标及业绩要求",
                body="问：本项目是否接受联合体投标？答：不接受。\n"
                     "问：类似工程业绩是否包括市政道路人行道改造？答：包括，以竣工验收证明为准。\n"
                     "本澄清不改变投标报价的内容，投标截止时间不变。",
                now=self.at(-1, 11),
            )
            amendment = services.publish_notice(
                actor=staff, project=project, kind=NoticeKind.AMENDMENT,
                title=f"{spec.name}修改（一）：第二标段工程量清单",
                body="第二标段工程量清单第3.2节“透水砖人行道铺装”工程量由21,560平方米修改为22,380平方米，"
                     "最高投标限价不变。投标人应按修改后的工程量清单编制投标报价。"
                     "本修改距投标截止时间不少于十五日，投标截止时间不变。",
                changes_bids=True, now=self.at(-1, 16),
            )
            self.upload(staff, project, "第二标段工程量清单（修改后）", f"{spec.code}-第二标段工程量清单-修改.pdf", [
                f"#{spec.name}",
                "3.2 透水砖人行道铺装：22,380平方米（原21,560平方米）。",
                "其余清单项目不变。本文件与原工程量清单不一致的，以本文件为准。",
            ], notice=amendment)
        # A few bidders have taken the documents already (the record of who downloaded).
        takers = {W: ["yongjiang", "bagui", "longcheng"], G: ["qingxiu", "beibuwan"]}.get(spec.category, [])
        for key in takers:
            for document in project.documents.all():
                services.record_download(actor=self.users[f"bidder.{key}"], document=document)

    def seal_live_bids(self, spec: ProjectSpec, project: Project):
        """The live tender's bidders take the documents, then each seals and uploads its bid
        through the upload service, now, before the deadline: each gets its signed receipt."""
        for key in spec.bidders:
            user = self.users[f"bidder.{key}"]
            for document in project.documents.all():
                services.record_download(actor=user, document=document)
            for lot in project.lots.order_by("number"):
                price, days, quality, manager = LIVE_BIDS[key]
                form = {"price": price, "duration_days": days, "quality": quality, "project_manager": manager}
                org = user.organization
                bid_file = pdf("投标文件", [
                    f"#{spec.name}",
                    f"项目编号：{spec.code}。标段：{lot.name}。投标人：{org.name}（统一社会信用代码 {org.uscc}）。",
                    "#投标函",
                    f"致{project.tenderee.name}：我方已仔细研究本项目招标文件及工程量清单，愿以投标总报价{yuan(price)}、"
                    f"工期{days}日历天、质量标准“{quality}”承包本工程，项目经理：{manager}。",
                    "投标报价以加密的开标一览表为准，开标时解密并当众唱标。本投标文件在投标截止时间前加密上传。",
                ])
                self.live_bidders.append(self.sealing.submit_sealed_bid(
                    user=user, lot=lot, form=form, files={"投标文件.pdf": bid_file}))

    def bid(self, project: Project, key: str, completed, replaced: bool):
        Bid = apps.get_model("bidding", "Bid")  # a higher floor's table, reached without importing it
        user = self.users[f"bidder.{key}"]
        for lot in project.lots.all():
            versions = [("superseded", completed - timedelta(days=1)), ("complete", completed)] if replaced else [
                ("complete", completed)]
            for version, (state, at) in enumerate(versions, start=1):
                bid = Bid.objects.create(lot=lot, organization=user.organization, version=version, state=state,
                                         created_by=user, completed_at=at)
                # created_at is auto_now_add: set it to the upload's start, before completion.
                Bid.objects.filter(pk=bid.pk).update(created_at=at - timedelta(minutes=12))

    def advance(self, spec: ProjectSpec, lot, staff: User, deadline, publicize_at, award_at, contract_at):
        """Take the lot through the lifecycle, on the clock of each step."""
        services.system_transition(lot_id=lot.pk, name="close", now=deadline)
        if spec.stage == LotState.FAILED:
            lot.refresh_from_db()
            facts = lifecycle.gather_facts(lot, deadline)  # the bidding floor counts the complete bids
            services.system_transition(lot_id=lot.pk, name="fail_too_few_bids", facts=facts, now=deadline)
            return
        services.transition_lot(actor=staff, lot=lot, name="start_opening", now=deadline + timedelta(minutes=2))
        # The opening hall and evaluation are later floors: their facts are handed down here.
        services.transition_lot(actor=staff, lot=lot, name="start_evaluation", now=deadline + timedelta(minutes=58),
                                facts={"opening_record_complete": True})
        if spec.stage == LotState.EVALUATION:
            return
        services.transition_lot(actor=staff, lot=lot, name="publicize", now=publicize_at, facts={"report_signed": True})
        if spec.stage == LotState.PUBLICITY:
            return
        services.transition_lot(actor=staff, lot=lot, name="award", now=award_at,
                                award_price=Decimal(spec.award_price), facts={"open_objections": 0})
        if spec.stage == LotState.AWARDED:
            return
        services.transition_lot(actor=staff, lot=lot, name="contract", now=contract_at)


def _saved(obj):
    obj.full_clean()
    obj.save()
    return obj


class Command(BaseCommand):
    help = "Load the demo trading network (centers, parties, accounts, projects at every stage), once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--opening-in", type=int, default=OPENING_IN, metavar="MINUTES",
            help=f"Minutes from loading to the bid deadline of the live-opening tender {LIVE_OPENING}, whose "
                 f"opening hall opens then (default {OPENING_IN}; {OPENING_IN_LIMITS[0]} to {OPENING_IN_LIMITS[1]}). "
                 "Only a first load sets it.",
        )

    def handle(self, *args, **options):
        if Center.objects.filter(code=MARKER).exists():
            self.stdout.write(f"Demo data already loaded (center “{MARKER}” exists): nothing changed.")
            self.print_key_files()
            self.print_live_opening()
            self.print_accounts()
            return
        opening_in = options.get("opening_in", OPENING_IN)
        low, high = OPENING_IN_LIMITS
        if not low <= opening_in <= high:
            raise CommandError(f"--opening-in must be between {low} and {high} minutes, not {opening_in}.")
        demo = Demo(timezone.now(), opening_in=opening_in)
        try:
            with transaction.atomic():
                demo.load_parties()
                demo.load_projects()
                # Last, inside the transaction: if the files cannot be written, nothing is saved.
                key_files = demo.sealing.write_key_files(demo.custodians + demo.live_bidders)
        except (DomainError, ValidationError, IntegrityError) as err:
            demo.sealing.discard_sealed_files(demo.live_bidders)
            raise CommandError(f"The demo could not be loaded, nothing was saved: {err}") from err
        except OSError as err:
            demo.sealing.discard_sealed_files(demo.live_bidders)
            raise CommandError(f"The demo's key files could not be written, nothing was saved: {err}") from err
        projects = Project.objects.filter(center__code__in=[c[0] for c in CENTERS])
        self.stdout.write(self.style.SUCCESS(
            f"Demo loaded: {len(CENTERS)} centers, {len(TENDEREES) + len(AGENTS) + len(BIDDERS)} organizations, "
            f"{len(ACCOUNTS)} accounts, {projects.count()} projects."
        ))
        for project in projects.order_by("code"):
            states = ", ".join(str(LotState(lot.state).label) for lot in project.lots.order_by("number"))
            self.stdout.write(f"  {project.code}  {Category(project.category).label:<10}  [{states}]  {project.name}")
        open_codes = sorted(spec.code for spec in PROJECTS if spec.stage == LotState.PUBLISHED)
        self.stdout.write(
            f"\nSealed bids: {', '.join(open_codes)} take sealed bids (key ceremony done, "
            f"{CUSTODIANS_NEEDED} of {len(demo.custodians)} custodians open; K range on {', '.join(K_RANGES)})."
        )
        self.stdout.write(f"Custodian key files: {', '.join(str(path) for path in key_files[:len(demo.custodians)])}")
        self.stdout.write(f"Bidder key files: {', '.join(str(path) for path in key_files[len(demo.custodians):])}")
        self.stdout.write(self.style.WARNING(DEMO_SHORTCUT))
        self.print_live_opening(minutes=opening_in)
        self.print_accounts()

    def print_live_opening(self, minutes: int | None = None):
        project = Project.objects.filter(code=LIVE_OPENING).select_related("center").first()
        if project is None:
            self.stdout.write(self.style.WARNING(
                f"This demo was loaded before it had the live-opening tender {LIVE_OPENING}: "
                "start a fresh demo with `rm -rf var && make run`."))
            return
        spec = next(spec for spec in PROJECTS if spec.code == LIVE_OPENING)
        host = next(u for u, role, where, _ in ACCOUNTS if role == Role.STAFF and where == spec.center)
        deadline = local_text(project.bid_deadline)
        if minutes is not None:
            when = f"{deadline} (server time), in about {minutes} minutes"
        elif project.bid_deadline > timezone.now():
            when = f"{deadline} (server time)"
        else:
            when = (f"{deadline} (server time), already passed: for a fresh live opening, "
                    "`rm -rf var && make run` (or `load_demo --opening-in MINUTES` on an empty database)")
        halls = ", ".join(f"/halls/{lot.pk}/" for lot in project.lots.order_by("number"))
        bidders = ", ".join(f"bidder.{key}" for key in spec.bidders)
        self.stdout.write(
            f"\nLive opening 不见面开标: {LIVE_OPENING} ({project.center.name}) closes for bids at {when}; then its "
            f"opening hall {halls} opens, hosted by {host}. Sealed bids with signed receipts from {bidders}; "
            f"their key files are {Path(settings.KAIBIAO_DEMO_KEYS_DIR)}/<username>-{LIVE_OPENING}-1.txt."
        )

    def print_key_files(self):
        CustodianKey = apps.get_model("bidding", "CustodianKey")  # a higher floor's table, not imported
        usernames = [username for username, role, _w, _n in ACCOUNTS if role == Role.CUSTODIAN]
        if not CustodianKey.objects.filter(user__username__in=usernames).exists():
            self.stdout.write(self.style.WARNING(
                "This demo was loaded before it had custodian keys and key ceremonies, so its open tenders "
                "cannot take sealed bids: start a fresh demo with `rm -rf var && make run`."))
            return
        folder = Path(settings.KAIBIAO_DEMO_KEYS_DIR)
        files = [f"{name}.txt" for name in usernames]
        live = Project.objects.filter(code=LIVE_OPENING).first()
        if live is not None:
            bidder_key_filename = import_module("bidding.demo").bidder_key_filename
            spec = next(spec for spec in PROJECTS if spec.code == LIVE_OPENING)
            files += [bidder_key_filename(f"bidder.{key}", live.code, lot.number)
                      for key in spec.bidders for lot in live.lots.order_by("number")]
        missing = [name for name in files if not (folder / name).exists()]
        if missing:
            self.stdout.write(self.style.WARNING(
                f"Key files missing from {folder}: {', '.join(missing)}. They cannot be made again "
                "(only their public keys are stored): start a fresh demo with `rm -rf var && make run`."))
        else:
            self.stdout.write(f"Custodian{' and bidder' if live else ''} key files in {folder}. {DEMO_SHORTCUT}")

    def print_accounts(self):
        users = {u.username: u for u in User.objects.filter(username__in=[a[0] for a in ACCOUNTS])
                 .select_related("center", "organization")}
        self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role, _where, _name in ACCOUNTS:
            user = users.get(username)
            if user is None:
                continue
            place = user.center or user.organization or {Role.EXPERT: "评标专家库", Role.CUSTODIAN: "开标密钥保管人"}[role]
            self.stdout.write(f"  {username:<20} {Role(role).label:<22} {user.full_name}  {place}")
