"""The evaluation report (评标报告) as a PDF: a pure function from the dict report_data builds to the same bytes every time.

No database access; the font is embedded and the output invariant (trading.pdf), as the opening
record's (bidding.record_pdf). The report is written in Chinese, a legal document of the
committee; how each value is written is evaluation.report_text. Its SHA-256 is what every member
signs (evaluation.signing), so it is rendered once, stored, and never rendered again for them.

    render_report_pdf(report, font_path=None) -> bytes
"""

from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer

from trading.pdf import ALERT, DocumentBuilder, build_pdf, find_cjk_font, register_font

from . import signing
from .report_data import CATEGORIES
from .report_text import ABSENT, FLAG_OUTCOMES, FORMULAS, TIE_RULES, Result, capital, money, points, text_or, when

NUMERALS = "一二三四五六七八九十"
NO = 24  # the width of a table's 序号 column


def numeral(n: int) -> str:
    return NUMERALS[n - 1] if n <= 10 else ("十" + NUMERALS[n - 11] if n < 20 else str(n))


class _Builder(DocumentBuilder):
    def __init__(self, report: dict, font: str, mono: str):
        super().__init__(font, mono)
        self.r = report
        self.res = Result(report.get("document") or {}, report.get("result") or {})
        self.bidders = {b["id"]: b["bidder"] for b in report.get("bids") or []}
        for bid_id, b in self.res.doc_bids.items():
            self.bidders.setdefault(bid_id, b.get("bidder") or str(bid_id))
        self.experts = self.res.experts or [{"id": m["id"], "name": m["name"]} for m in report.get("committee") or []]
        self.s["num"] = ParagraphStyle("num", parent=self.s["cell"], alignment=TA_RIGHT)

    def n(self, text):
        """A figure (points, an amount), right-aligned in its cell."""
        return self.p(text, "num")

    def heading(self, title):
        self.section_no += 1
        return [CondPageBreak(30 * mm), Paragraph(f"{numeral(self.section_no)}、{escape(title)}", self.s["h"])]

    def build(self):
        lot = self.r["lot"]
        story = [Paragraph("评标报告", self.s["title"]),
                 self.p(f"{lot['project_name']}　第 {lot['lot_number']} 标段（包）" +
                        (f"：{lot['lot_name']}" if lot.get("lot_name") else ""), "subtitle")]
        for section in (self.overview, self.committee, self.review, self.clarifications, self.scores, self.flags,
                        self.price, self.below_cost, self.ranking, self.dissents, self.signing):
            story += section()
        return story

    @staticmethod
    def _alert(text):
        return f'<font color="{ALERT.hexval()}">{escape(text)}</font>'

    def overview(self):
        lot, times = self.r["lot"], self.r.get("times") or {}
        ceiling = lot.get("ceiling_price")
        pairs = [("项目编号", lot["project_code"]), ("标段（包）", f"第 {lot['lot_number']} 标段（包）"),
                 ("项目名称", lot["project_name"]), ("交易中心", text_or(lot.get("trading_center"))),
                 ("招标人", text_or(lot.get("tenderee"))), ("招标代理机构", text_or(lot.get("agent"))),
                 ("预算金额", money(lot.get("budget"))), ("最高投标限价", money(ceiling) if ceiling else "未设置"),
                 ("评标办法", text_or(lot.get("method_label"))), ("评标室开启时间", when(times.get("opened_at"))),
                 ("评审汇总时间", when(times.get("summarized_at"))), ("报告生成时间", when(times.get("made_at")))]
        w = self.width
        return [*self.heading("项目概况"), self.kv(pairs, [0.16 * w, 0.34 * w, 0.16 * w, 0.34 * w]), Spacer(1, 2),
                self.p("本报告所列时间均为北京时间（UTC+8），精确到秒；金额以千位分隔书写，"
                       "各项得分按招标文件规定的小数位数四舍五入，仅在最后一步取舍一次。", "small")]

    def committee(self):
        out = self.heading("评标委员会")
        rows = [[self.p(h, "head") for h in ("序号", "姓名", "职务", "职称", "工作单位", "签到时间")]]
        for index, m in enumerate(self.r.get("committee") or [], start=1):
            rows.append([self.p(str(index)), self.p(m["name"]), self.p("组长" if m.get("leader") else "成员"),
                         self.p(text_or(m.get("title"))), self.p(text_or(m.get("employer"))),
                         self.p(when(m.get("signed_in_at")))])
        w = self.width
        out.append(self.grid(rows, [NO, 0.14 * w, 0.08 * w, 0.14 * w, w - NO - 0.58 * w, 0.22 * w], long=True))
        reps = self.r.get("representatives") or []
        note = "评标委员会成员由交易平台从专家库中随机抽取，组长由评标委员会成员在评标室中推选产生。"
        if reps:
            note += f"招标人代表：{'、'.join(map(str, reps))}。"
        return out + [Spacer(1, 2), self.p(note, "small")]

    def review(self):
        out = self.heading("资格审查与符合性审查")
        checks = self.r.get("checks") or []
        verdicts = {}
        for v in self.r.get("verdicts") or []:
            verdicts.setdefault((v["bid"], v["check"]), []).append(v)
        if not checks:
            return out + [self.p("招标文件未设资格审查与符合性审查项。", "body")]
        w = self.width
        for index, bid in enumerate(self.r.get("bids") or [], start=1):
            rows = [[self.p(h, "head") for h in ("序号", "审查项", "类别", "通过", "不通过", "不通过的理由（专家）")]]
            for n, check in enumerate(checks, start=1):
                vs = verdicts.get((bid["id"], check["id"]), [])
                fails = [v for v in vs if not v["passed"]]
                reasons = "<br/>".join(f"{escape(v['name'])}：{escape(v['reason'])}" for v in fails) or ABSENT
                rows.append([self.p(str(n)), self.p(check["name"]), self.p(check.get("kind_label") or check["kind"]),
                             self.p(str(len(vs) - len(fails))), self.p(str(len(fails))), self.p(reasons, raw=True)])
            responsive = self.res.responsive(bid["id"])
            verdict = {True: "通过评审，进入详细评审", False: "未通过评审，作否决投标处理", None: ABSENT}[responsive]
            reasons = self.res.reasons(bid["id"])
            conclusion = f"结论：{verdict}" + (f"。理由：{'；'.join(reasons)}" if reasons and responsive is False else "")
            block = [self.p(f"{index}. {bid['bidder']}　投标报价 {money(bid.get('price'))}", "body"), Spacer(1, 2),
                     self.grid(rows, [NO, 0.3 * w, 0.1 * w, 0.07 * w, 0.07 * w, w - NO - 0.54 * w]),
                     Spacer(1, 2),
                     self.p(self._alert(conclusion) if responsive is False else escape(conclusion), "note", raw=True),
                     Spacer(1, 6)]
            # a short table stays with its bid's line; a long one may split between its rows
            out += [KeepTogether(block)] if len(checks) < 20 else block
        return out + [self.p("每一审查项由评标委员会成员各自独立判断；投标是否通过由评标委员会多数意见决定，"
                             "不通过的理由如实记录。", "small")]

    def clarifications(self):
        items = self.r.get("clarifications") or []
        out = self.heading("澄清与说明")
        if not items:
            return out + [self.p("评标过程中评标委员会未要求投标人澄清。", "body")]
        for index, c in enumerate(items, start=1):
            answered = c.get("answer")
            block = [self.p(f"澄清 {index}　致 {c['bidder']}　{c['asked_by']} 提出于 {when(c.get('asked_at'))}，"
                            f"答复期限 {when(c.get('answer_due'))}", "body"),
                     self.p(f"问题：{c['question']}", "note"),
                     self.p(f"答复（{text_or(c.get('answered_by'))}，{when(c.get('answered_at'))}）：{answered}"
                            if answered else "答复：（投标人未在期限内答复）", "note"), Spacer(1, 5)]
            out += [KeepTogether(block)]
        return out

    def scores(self):
        out = self.heading("专家评分")
        items, experts = self.res.items, self.experts
        if not items:
            return out + [self.p("本标段评标办法不设技术、商务评分项，不进行专家打分。", "body")]
        w = self.width
        scored = [b for b in self.r.get("bids") or [] if self.res.responsive(b["id"])]
        if not scored:
            return out + [self.p("没有通过评审的投标，未进行评分。", "body")]
        fixed = 0.28 * w + 0.09 * w
        each = (w - fixed) / max(len(experts), 1)
        for bid in scored:
            own = self.res.item_points(bid["id"])
            head = ["评分项（分值）", *[e["name"] for e in experts], "得分"]
            rows = [[self.p(h, "head") for h in head]]
            for item in items:
                dropped = own.get(item.get("id"), {}).get("dropped") or []
                cells = []
                for e in experts:
                    value = points(self.res.scores.get((e["id"], bid["id"], item.get("id"))))
                    cells.append(self.n(f"（{value}）" if e["id"] in dropped else value))
                category = CATEGORIES.get(item.get("category"), "")
                label = f"{category}：{item.get('name')}（{item.get('low')}–{item.get('high')}）"
                rows.append([self.p(label), *cells, self.n(points(own.get(item.get("id"), {}).get("points")))])
            out += [self.p(f"{bid['bidder']}　技术得分 {points(self.res.figure(bid['id'], 'technical'))}，"
                           f"商务得分 {points(self.res.figure(bid['id'], 'commercial'))}", "body"), Spacer(1, 2),
                    self.grid(rows, [0.28 * w, *[each] * len(experts), 0.09 * w], long=True), Spacer(1, 6)]
        return out + [self.p("每项得分为各专家评分的算术平均值；括号中的评分按招标文件的规定去掉最高分和最低分后"
                             "不计入平均值（七名及以上专家评分时）。", "small")]

    def flags(self):
        flags = self.r.get("flags") or []
        out = self.heading("评分偏离复核")
        if not flags:
            return out + [self.p("没有专家的评分偏离其他专家平均分超过招标文件规定的幅度。", "body")]
        items = {i.get("id"): i.get("name") for i in self.res.items}
        rows = [[self.p(h, "head") for h in ("专家", "投标人", "评分项", "被提示的评分", "其他专家平均分", "处理结果")]]
        for f in flags:
            outcome = FLAG_OUTCOMES.get(f["outcome"], f["outcome"])
            if f["outcome"] == "confirmed":
                outcome += f"，理由：{f['reason']}"
            elif f["outcome"] == "changed":
                outcome += f"为 {f['points']} 分"
            rows.append([self.p(f["name"]), self.p(self.bidders.get(f["bid"], str(f["bid"]))),
                         self.p(text_or(items.get(f["item"]))), self.n(points(f.get("flagged_points") or f["points"])),
                         self.n(points(f.get("others_mean"))), self.p(outcome)])
        w = self.width
        return out + [self.grid(rows, [0.12 * w, 0.2 * w, 0.18 * w, 0.1 * w, 0.1 * w, 0.3 * w], long=True),
                      Spacer(1, 2), self.p("系统只提示偏离，从不修改专家的评分；是否修改由专家本人决定。", "small")]

    def price(self):
        out = self.heading("价格得分计算")
        rules, price = self.res.price_rules, self.res.price
        formula = rules.get("formula") or price.get("formula")
        pairs = [("计算方法", FORMULAS.get(formula, text_or(formula))), ("价格权重分", points(rules.get("weight")))]
        if formula == "average_benchmark":
            pairs += [("随机系数 K", points(rules.get("k")) if rules.get("k") else "不适用"),
                      ("算术平均值", money(price.get("mean"))),
                      ("去掉最高和最低报价", "是" if rules.get("average_drops_extremes") else "否"),
                      ("高于基准价每 1% 扣分", points(rules.get("points_per_percent_above"))),
                      ("低于基准价每 1% 扣分", points(rules.get("points_per_percent_below")))]
        pairs.append(("评标基准价", money(price.get("benchmark"))))
        used = [self.bidders.get(b, str(b)) for b in price.get("used") or []]
        dropped = [self.bidders.get(b, str(b)) for b in price.get("dropped") or []]
        pairs.append(("参与计算基准价的报价", "、".join(used) or ABSENT))
        if dropped:
            pairs.append(("未参与计算（最高、最低）", "、".join(dropped)))
        w = self.width
        out.append(self.kv(pairs, [0.25 * w, 0.75 * w]))
        average = formula == "average_benchmark"  # only there is a bid's distance from the benchmark an input
        head = ("投标人", "投标报价", *(("偏差率（%）",) if average else ()), "价格得分")
        rows = [[self.p(h, "head") for h in head]]
        for bid in self.r.get("bids") or []:
            if self.res.responsive(bid["id"]):
                deviation = [self.n(points(self.res.figure(bid["id"], "deviation_percent")))] if average else []
                rows.append([self.p(bid["bidder"]), self.n(money(bid.get("price"))), *deviation,
                             self.n(points(self.res.figure(bid["id"], "price_points")))])
        widths = [0.4 * w, 0.25 * w, 0.15 * w, 0.2 * w] if average else [0.45 * w, 0.3 * w, 0.25 * w]
        return out + [Spacer(1, 4), self.grid(rows, widths, long=True)]

    def below_cost(self):
        out = self.heading("低于成本审查")
        decisions = self.r.get("below_cost") or []
        if not decisions:
            return out + [self.p("评标委员会未认定任何投标报价低于成本。", "body")]
        for d in decisions:
            outcome = "经评标委员会多数意见认定低于成本，否决其投标" if d["rejected"] else "未被认定低于成本"
            out.append(self.p(f"{d['bidder']}：{outcome}。", "body"))
            out += [self.p(f"{v['name']}（{'认为低于成本' if v['below_cost'] else '认为不低于成本'}，{when(v['at'])}）："
                           f"{v['reason']}", "note") for v in d["votes"]]
            out.append(Spacer(1, 4))
        return out

    def ranking(self):
        out = self.heading("评审汇总、排序与推荐")
        comprehensive = self.r["lot"].get("method") == "comprehensive"
        head = ["排名", "投标人", "投标报价", "评标价", "技术得分", "商务得分", "价格得分", "总得分"]
        rows = [[self.p(h, "head") for h in head]]
        for n, bid_id in enumerate(self.res.ranking, start=1):
            f = self.res.bid(bid_id)
            rows.append([self.p(points(f.get("rank") or n)), self.p(self.bidders.get(bid_id, str(bid_id))),
                         self.n(money(f.get("price"))), self.n(money(f.get("evaluated_price"))),
                         self.n(points(f.get("technical"))), self.n(points(f.get("commercial"))),
                         self.n(points(f.get("price_points"))), self.n(points(f.get("total")))])
        w = self.width
        out.append(self.grid(rows, [22, 0.26 * w, 0.15 * w, 0.15 * w, 0.1 * w, 0.1 * w, 0.1 * w, w - 22 - 0.86 * w],
                             long=True))
        out += [Spacer(1, 2), self.p("按总得分由高到低排序。" if comprehensive else "按评标价由低到高排序。", "small"),
                Spacer(1, 4), self.p("推荐的中标候选人（不超过三名，按顺序）：", "body")]
        for n, bid_id in enumerate(self.res.candidates, start=1):
            f = self.res.bid(bid_id)
            out.append(self.p(f"第 {n} 名：{self.bidders.get(bid_id, str(bid_id))}，投标报价 {money(f.get('price'))}"
                              f"（大写：{capital(f.get('price')) or ABSENT}）", "note"))
        if not self.res.candidates:
            out.append(self.p("（无）", "note"))
        for tie in self.res.ties:
            names = "、".join(self.bidders.get(b, str(b)) for b in tie.get("bids") or [])
            rules = "；".join(TIE_RULES.get(r, str(r)) for r in tie.get("decided") or [])
            out.append(self.p(f"并列：{names}（{'总得分' if tie.get('on') == 'total' else '评标价'}均为 "
                              f"{tie.get('value')}），依次按：{rules or ABSENT}。", "note"))
        tie = self.r.get("tie_break") or {}
        out += [Spacer(1, 4), self.kv([("抽签承诺值（评标室开启时公布）", self.hexp(tie.get("commitment"))),
                                       ("抽签种子（汇总时公开）", self.hexp(tie.get("seed")))], [0.3 * w, 0.7 * w])]
        return out

    def dissents(self):
        out = self.heading("评标委员会成员的不同意见")
        items = self.r.get("dissents") or []
        if not items:
            return out + [self.p("评标委员会成员对评审结论无不同意见。", "body")]
        for d in items:
            out += [self.p(f"{d['name']}（{when(d.get('at'))}）：", "body"), self.p(d["reasons"], "note"), Spacer(1, 4)]
        return out + [self.p("持不同意见的成员以书面方式阐述其不同意见和理由（《中华人民共和国招标投标法实施条例》第五十三条）。",
                             "small")]

    def signing(self):
        out = self.heading("电子签名")
        rows = [[self.p(h, "head") for h in ("序号", "评标委员会成员", "职务", "签名情况")]]
        for index, m in enumerate(self.r.get("committee") or [], start=1):
            rows.append([self.p(str(index)), self.p(m["name"]), self.p("组长" if m.get("leader") else "成员"),
                         self.p("见签名文件")])
        w = self.width
        cmd = ParagraphStyle("cmd", parent=self.s["hex"], fontSize=8, leading=11, leftIndent=12)
        return out + [self.grid(rows, [NO, 0.35 * w, 0.15 * w, w - NO - 0.5 * w], long=True), Spacer(1, 4),
                      self.p("评标委员会每位成员在各自的浏览器中，以其在平台登记的 Ed25519 密钥对本 PDF 文件的 SHA-256 "
                             "摘要签名；签名的内容是下列 ASCII 文字，其中 <摘要> 为本文件 SHA-256 的 64 位小写十六进制：", "small"),
                      Paragraph(escape(signing.MESSAGE_PREFIX + "<摘要>"), cmd), Spacer(1, 2),
                      self.p("签名、拒绝签名的理由和各成员的公钥记入签名文件（signatures.json），由平台密钥签章。"
                             "任何人可离线核验：", "small"),
                      Paragraph("python manage.py verify_report report.pdf signatures.json", cmd)]


def render_report_pdf(report: dict, *, font_path=None) -> bytes:
    """The evaluation report as PDF bytes (A4), the same bytes for the same report and font."""
    font, mono = register_font(str(find_cjk_font(font_path)))
    story = _Builder(report, font, mono).build()
    lot = report["lot"]
    return build_pdf(story, font=font, left=f"项目编号 {lot['project_code']}　第 {lot['lot_number']} 标段（包）　评标报告",
                     top=(text_or(lot.get("trading_center"), "") + "　评标报告").strip("　"),
                     title=f"评标报告 {lot['project_code']} 第{lot['lot_number']}标段",
                     author=text_or(lot.get("trading_center"), "Kaibiao"), subject=str(lot["project_name"]))

