"""The demo's PDF documents (tender documents, bid files), written with ReportLab and an embedded TrueType CJK font.

One PDF toolkit for the platform (trading.pdf, as the opening record): the font embedded as a
subset (/FontFile2), so a document reads the same on any machine; no viewer-side font
(STSong-Light). Same text, same bytes.
"""

from trading.formats import local_text, money, yuan
from trading.pdf import DocumentBuilder, build_pdf, find_cjk_font, register_font
from trading.choices import Category, EvaluationMethod

from .data import NOTICE_TITLES, W, ProjectSpec

FOOTER = "开标 Kaibiao 演示数据：名称、代码与金额均为虚构，不具有法律效力。"


def pdf(title: str, paragraphs: list[str]) -> bytes:
    """A small A4 PDF; a paragraph starting with '#' is a heading."""
    font, mono = register_font(str(find_cjk_font()))
    doc = DocumentBuilder(font, mono)
    story = [doc.p(title, "title"),
             *(doc.p(para.lstrip("# "), "h" if para.startswith("#") else "body") for para in paragraphs)]
    return build_pdf(story, font=font, left=FOOTER, top=title, title=title, author="开标 Kaibiao 演示数据", subject=title)


def local(value) -> str:
    return local_text(value, "document")


def method_name(category: str, method: str) -> str:
    if method == EvaluationMethod.LOWEST_EVALUATED:
        return "经评审的最低投标价法" if category == Category.WORKS else "最低评标价法"
    return {EvaluationMethod.COMPREHENSIVE: "综合评分法", EvaluationMethod.HIGHEST_PRICE: "价高者得"}[method]


def tender_paragraphs(spec: ProjectSpec, tenderee, agent, deadline) -> list[str]:
    """The tender documents' text: the project, its lots and figures, who may bid, the deadline."""
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


def bill_of_quantities(spec: ProjectSpec) -> list[str]:
    """A works tender's bill of quantities with its ceiling prices."""
    return [
        f"#{spec.name}",
        *[f"{lot.name}：最高投标限价{yuan(lot.ceiling)}，其中安全文明施工费不可竞争。" for lot in spec.lots],
        "清单项目编码、名称、计量单位和工程量以本清单为准，投标人不得擅自修改。",
    ]


def shown(value, item: dict) -> str:
    """A declared item's value as the bid file states it (an amount's label names its unit, 元)."""
    if item.get("type") == "money":
        return money(value)
    return str(value)


def bid_file(spec: ProjectSpec, lot, organization, tenderee, form: dict, items: list[dict]) -> tuple[str, bytes]:
    """The bid file a bidder seals beside its opening form, (name, PDF): its letter of bid, stating
    the same declared items (the sealed opening form is what the opening reads)."""
    sale = spec.category in Category.price_sales()
    title = "竞买文件" if sale else "投标文件"
    offer = "；".join(f"{item['label']}：{shown(form[item['key']], item)}" for item in items if item["key"] in form)
    letter = ("#竞买报价函", f"致{tenderee.name}：我方已仔细阅读本项目{NOTICE_TITLES[spec.category][1]}，自愿参加竞买，"
              f"报价如下：{offer}。") if sale else (
        "#投标函", f"致{tenderee.name}：我方已仔细研究本项目招标文件，愿按招标文件的要求承担本项目，开标一览表如下：{offer}。")
    return f"{title}.pdf", pdf(title, [
        f"#{spec.name}",
        f"项目编号：{spec.code}。标段（包）：{lot.name}。{'竞买人' if sale else '投标人'}：{organization.name}"
        f"（统一社会信用代码 {organization.uscc}）。",
        *letter,
        "报价以加密的开标一览表为准，开标时解密并当众唱标。本文件在截止时间前加密上传。",
    ])
