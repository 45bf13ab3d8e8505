"""The opening record (开标记录表) as a PDF: a pure function from a plain dict to the same PDF bytes every time.

No database access: the hall builds the dict from its tables and events, and anyone can
re-render the archived copy and compare `pdf_digest`. The font is embedded and the output
invariant (trading.pdf); how each value is written is bidding.record_text.

The dict (times: ISO 8601 strings with an offset, or aware datetimes; "…?" may be absent or null):

    tender:   project_code, project_name, lot_number, lot_name?, trading_center?, tenderee?,
              agent?, budget? "9000000.00", ceiling_price? "8765432.10" (null: no ceiling),
              bid_deadline
    opening:  host?, supervisor?, started_at, ended_at?, decryption_minutes? (int)
    declared_items: [{key, label, type}]             the tender's opening form, in order
    bids: [{
        bidder, uscc, version? (int), received_at?, receipt_id?,
        files: [{name, kind?, size? (bytes, int), sha256}],
        outcome: "decrypted" | "revoked" (视为撤销: the bidder failed to decrypt)
                 | "withdrawn" (视为撤回: failed for another reason)
                 | "remedied" (opened by the custodians' remedy),
        outcome_reason?,
        form?: {key: value as sealed},                null or {} when nothing was decrypted
        flags?: [text | {key, text}],                 each way the form does not fit the items;
                 a text "label: problem" (bidding.opening_form.check_form) marks that item's cell
        above_ceiling?: bool, ceiling_reason?,
        confirmation?: "confirmed" | "objected" | "deemed_accepted" ("deemed") | "pending",
        confirmed_at?,
        security_forfeit?: null | {amount "50000.00", at, by?, reason?}   its bid security not
                 returned: the bid counts as revoked by the bidder (record_text.FORFEIT_LAW)
    }]
    random_coefficient?: null | {lot?, range: {low, high, step}, commitment, seed (hex),
                          contributions: [{contributor, nonce}], k, drawn_at}
              i.e. bidding.draw.published_inputs(...) plus drawn_at (low/high/step may also
              sit at the top level); null when the tender draws no K
    objections?: [{bidder, question, asked_at, answer?, answered_by?, answered_at?}]
    steps?: [{at, actor, role?, action, name?, details?, address?}]  role: a trading.choices.Role value or
              text; action: the audit action, shown where the step has no name (trading.event_text's);
              details: what it recorded, in words
    custodians?: [{name, handed_in_at?}]
    digest_of_events?: hex digest of the hall's event chain

    render_record_pdf(record, font_path=None) -> bytes
"""

from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from trading.pdf import (ALERT, BAND, DEFAULT_FONTS, FONT_ENV, INK, DocumentBuilder, FontNotFound, build_pdf,
                         find_cjk_font, pdf_digest, register_font)

from .record_text import (CONFIRMATIONS, FILE_KINDS, FORFEIT, FORFEIT_LAW, OUTCOMES, ROLES, RecordError, beijing_time, byte_size,
                          format_money, need, sealed_amount, sealed_text, text_or)

__all__ = ["FONT_ENV", "DEFAULT_FONTS", "FontNotFound", "RecordError", "find_cjk_font", "format_money", "sealed_text",
           "beijing_time", "render_record_pdf", "pdf_digest"]

FLAGGED = colors.HexColor("#fff1c2")
WEIGHTS = {"money": 1.6, "integer": 0.75, "choice": 0.75, "text": 1.0}  # column widths by item type
CELL_LIMIT = 80  # characters of a sealed value shown in the table; the whole value goes to a note


class _Builder(DocumentBuilder):
    def __init__(self, record: dict, font: str, mono: str):
        if not isinstance(record, dict):
            raise RecordError("the record is a dict")
        super().__init__(font, mono)
        self.r = record
        self.notes = []  # footnotes of the bids table: (mark, text)

    # sections

    def build(self):
        tender, opening = self.r.get("tender"), self.r.get("opening")
        code = need(tender, "project_code", "tender")
        need(tender, "project_name", "tender")
        need(tender, "lot_number", "tender")
        need(opening, "started_at", "opening")
        if not isinstance(self.r.get("bids"), list):
            raise RecordError("the record needs bids (a list)")
        self.items = list(self.r.get("declared_items") or [])
        for item in self.items:
            need(item, "key", "declared_items[]")
        story = [Paragraph("开标记录表", self.s["title"]),
                 self.p(f"{tender['project_name']}　{self._lot(tender)}", "subtitle")]
        story += self.header(tender, opening)
        story += self.bids_table()
        story += self.digests()
        story += self.custodians()
        story += self.coefficient()
        story += self.objections()
        story += self.steps()
        story += self.integrity()
        story += self.signatures(opening)
        return code, story

    @staticmethod
    def _lot(tender):
        name = tender.get("lot_name")
        return f"第 {tender['lot_number']} 标段（包）" + (f"：{name}" if name else "")

    def header(self, tender, opening):
        ceiling = tender.get("ceiling_price")
        minutes = opening.get("decryption_minutes")
        pairs = [
            ("项目编号", tender["project_code"]),
            ("标段（包）", self._lot(tender)),
            ("项目名称", tender["project_name"]),
            ("交易中心", text_or(tender.get("trading_center"))),
            ("招标人", text_or(tender.get("tenderee"))),
            ("招标代理机构", text_or(tender.get("agent"))),
            ("预算金额", format_money(tender["budget"]) if tender.get("budget") not in (None, "") else "—"),
            ("最高投标限价", format_money(ceiling) if ceiling not in (None, "") else "未设置"),
            ("投标截止时间（开标时间）", beijing_time(need(tender, "bid_deadline", "tender"))),
            ("解密时限", f"{minutes} 分钟" if minutes not in (None, "") else "—"),
            ("开标开始时间", beijing_time(opening.get("started_at"))),
            ("开标结束时间", beijing_time(opening.get("ended_at"))),
            ("开标主持人", text_or(opening.get("host"))),
            ("监标人", text_or(opening.get("supervisor"))),
        ]
        w = self.width
        return [self.kv(pairs, [0.2 * w, 0.3 * w, 0.2 * w, 0.3 * w]), Spacer(1, 2),
                self.p("本表所列时间均为北京时间（UTC+8），精确到秒；开标项的内容按投标人加密封存的原样照录，"
                       "其中金额以千位分隔书写并附中文大写，数值不作任何舍入或更正。", "small")]

    def _note(self, text):
        mark = f"※{len(self.notes) + 1}"
        self.notes.append((mark, text))
        return mark

    def bids_table(self):
        bids = self.r["bids"]
        out = self.heading("开标一览表（唱标记录）")
        labels = [item.get("label") or item["key"] for item in self.items]
        head = ["序号", "投标人", "统一社会信用代码", *labels, "解密结果", "确认情况", "备注"]
        rows = [[self.p(h, "head") for h in head]]
        cell_style = []
        counts = {}
        for index, bid in enumerate(bids, start=1):
            row_no = len(rows)
            name = need(bid, "bidder", f"bids[{index - 1}]")
            outcome = bid.get("outcome")
            if outcome not in OUTCOMES:
                raise RecordError(f"bids[{index - 1}].outcome is {outcome!r}; one of {', '.join(OUTCOMES)}")
            counts[outcome] = counts.get(outcome, 0) + 1
            confirmation = bid.get("confirmation") or "pending"
            if confirmation not in CONFIRMATIONS:
                raise RecordError(f"bids[{index - 1}].confirmation is {confirmation!r}; "
                                  f"one of confirmed, objected, deemed_accepted")
            form = bid.get("form") or {}
            if not isinstance(form, dict):
                raise RecordError(f"bids[{index - 1}].form is a dict of item: value as sealed")
            opened = outcome in ("decrypted", "remedied")
            cell_marks = {item["key"]: [] for item in self.items}
            bidder_marks, remarks = [], []
            for flag in bid.get("flags") or []:
                key, text = self._flag_target(flag)
                mark = self._note(f"{name}：{text}（原样照录，未作更正）")
                (cell_marks[key] if key in cell_marks else bidder_marks).append(mark)
            for key in form:
                if key not in cell_marks:
                    bidder_marks.append(self._note(
                        f"{name}：封存的开标项“{key}”不在本项目声明的开标项中，其内容为 {sealed_text(form[key])}"))
            values = []
            for column, item in enumerate(self.items, start=3):
                key = item["key"]
                as_amount = sealed_amount(form.get(key)) if item.get("type") == "money" else None
                if as_amount:
                    text = f'{escape(as_amount[0])}<br/><font size="6.5">大写：{as_amount[1]}</font>'
                elif key in form:
                    shown = sealed_text(form[key])
                    if len(shown) > CELL_LIMIT:
                        label = item.get("label") or key
                        mark = self._note(f"{name}：{label}的全文（原样照录）：{shown}")
                        shown = f"{shown[:CELL_LIMIT // 2]}…（全文见{mark}）"
                    text = escape(shown)
                else:
                    text = "—" if not opened else "（未填）"
                if cell_marks[key]:
                    text += f' <font color="{ALERT.hexval()}">{"".join(cell_marks[key])}</font>'
                    cell_style.append(("BACKGROUND", (column, row_no), (column, row_no), FLAGGED))
                values.append(self.p(text, raw=True))
            if bid.get("above_ceiling"):
                reason = bid.get("ceiling_reason") or "投标报价超过最高投标限价。"
                remarks.append(f'<font color="{ALERT.hexval()}">超过最高投标限价，作否决处理'
                               f'{self._note(f"{name}：{reason}")}</font>')
            if bid.get("outcome_reason"):
                remarks.append(f"{OUTCOMES[outcome]}原因见{self._note(f'{name}：{bid["outcome_reason"]}')}")
            if bid.get("security_forfeit"):
                remarks.append(f'<font color="{ALERT.hexval()}">{FORFEIT}{self._forfeit_note(name, bid)}</font>')
            bidder = escape(name) + (f' <font color="{ALERT.hexval()}">{"".join(bidder_marks)}</font>'
                                     if bidder_marks else "")
            outcome_text = escape(OUTCOMES[outcome])
            if not opened:
                outcome_text = f'<font color="{ALERT.hexval()}">{outcome_text}</font>'
            confirmed = escape(CONFIRMATIONS[confirmation])
            if bid.get("confirmed_at"):
                confirmed += f"<br/>{beijing_time(bid['confirmed_at'])}"
            uscc = self.hexp(need(bid, "uscc", f"bids[{index - 1}]"))
            rows.append([self.p(str(index)), self.p(bidder, raw=True), uscc,
                         *values, self.p(outcome_text, raw=True), self.p(confirmed, raw=True),
                         self.p("<br/>".join(remarks), raw=True)])
        # the bidder's name and the amounts get the room; a short number or a choice needs little
        weights = [WEIGHTS.get(item.get("type"), 1.0) for item in self.items]
        fixed = {"no": 16, "uscc": 70, "outcome": 38, "confirm": 58, "remarks": 60}
        share = (self.width - sum(fixed.values())) / (sum(weights) + 1.8)
        widths = [fixed["no"], 1.8 * share, fixed["uscc"], *[wt * share for wt in weights],
                  fixed["outcome"], fixed["confirm"], fixed["remarks"]]
        if not bids:
            out.append(self.p("本标段无投标文件。", "body"))
            return out
        out.append(self.grid(rows, widths, long=True, extra=[("ALIGN", (0, 0), (0, -1), "CENTER"), *cell_style]))
        summary = "；".join(f"{OUTCOMES[k]} {counts[k]} 份" for k in OUTCOMES if counts.get(k))
        out += [Spacer(1, 3), self.p(f"递交投标文件 {len(bids)} 份：{summary}。", "small")]
        if self.notes:
            out.append(Spacer(1, 3))
            out.append(self.p("注：", "small"))
            out += [self.p(f"{mark}　{text}", "note") for mark, text in self.notes]
        return out

    def _forfeit_note(self, name, bid):
        forfeit = bid["security_forfeit"]
        if bid.get("outcome") != "revoked":
            raise RecordError(f"{name}: a bid security is forfeit only for a bid that counts as revoked")
        by = f"，{forfeit['by']}记录" if forfeit.get("by") else ""
        return self._note(f"{name}：其投标视为撤销，投标保证金 {format_money(need(forfeit, 'amount', name))} 不予退还"
                          f"（{FORFEIT_LAW}；{beijing_time(forfeit.get('at'))}{by}）。{text_or(forfeit.get('reason'), '')}")

    def _flag_target(self, flag):
        if isinstance(flag, dict):
            return flag.get("key"), text_or(flag.get("text"), "")
        text = str(flag)
        for item in self.items:
            label = item.get("label") or item["key"]
            if text.startswith((f"{label}:", f"{label}：")):
                return item["key"], text
        return None, text

    def digests(self):
        out = self.heading("投标文件回执与摘要（SHA-256）")
        w = self.width
        widths = [0.27 * w, 0.10 * w, 0.11 * w, w - 0.48 * w]
        rows = [[self.p(h, "head") for h in ("文件", "类别", "大小（字节）", "密文 SHA-256 摘要（与投标回执一致）")]]
        extra = []
        for index, bid in enumerate(self.r["bids"], start=1):
            line = (f"{index}. {bid['bidder']}　第 {text_or(bid.get('version'))} 版　"
                    f"回执编号 {text_or(bid.get('receipt_id'))}　回执时间 {beijing_time(bid.get('received_at'))}")
            extra += [("SPAN", (0, len(rows)), (-1, len(rows))), ("BACKGROUND", (0, len(rows)), (-1, len(rows)), BAND)]
            rows.append([self.p(line), "", "", ""])
            files = bid.get("files") or []
            # a bid's line stays with its files (a bid has few files; one page holds them)
            extra.append(("NOSPLIT", (0, len(rows) - 1), (-1, len(rows) + max(len(files), 1) - 1)))
            if not files:
                rows.append([self.p("（无文件）"), "", "", ""])
            for f in files:
                where = f"bids[{index - 1}].files[]"
                kind = FILE_KINDS.get(f.get("kind"), text_or(f.get("kind")))
                rows.append([self.p(need(f, "name", where)), self.p(kind), self.p(byte_size(f.get("size"))),
                             self.hexp(need(f, "sha256", where))])
        out.append(self.grid(rows, widths, long=True, zebra=False, extra=[("ALIGN", (2, 1), (2, -1), "RIGHT"), *extra]))
        return out

    def custodians(self):
        people = self.r.get("custodians") or []
        if not people:
            return []
        out = self.heading("解密密钥保管人")
        rows = [[self.p(h, "head") for h in ("序号", "密钥保管人", "提交密钥份额的时间")]]
        for index, c in enumerate(people, start=1):
            at = c.get("handed_in_at")
            rows.append([self.p(str(index)), self.p(text_or(c.get("name"))),
                         self.p(beijing_time(at) if at else "未提交")])
        w = self.width
        out.append(self.grid(rows, [16, 0.45 * w, w - 16 - 0.45 * w], long=True))
        return out

    def coefficient(self):
        k = self.r.get("random_coefficient")
        out = self.heading("随机系数（下浮系数 K）")
        if not k:
            out.append(self.p("本项目不抽取随机系数。", "body"))
            return out
        w = self.width
        rng = k.get("range") or k  # bidding.draw.published_inputs nests the range
        for key in ("low", "high", "step"):
            need(rng, key, "random_coefficient.range")
        need(k, "commitment", "random_coefficient")
        pairs = [
            ("取值范围", f"{rng['low']} 至 {rng['high']}，步长 {rng['step']}"),
            ("抽取结果 K", self.p(escape(text_or(k.get("k"), "（未抽取）")), "big", raw=True)),
            ("抽取时间", beijing_time(k.get("drawn_at"))),
            ("抽取标识", text_or(k.get("lot"))),
        ]
        out.append(self.kv(pairs, [0.17 * w, 0.33 * w, 0.17 * w, 0.33 * w]))
        out.append(self.kv([("种子承诺值（开标前公布）", self.hexp(k["commitment"])),
                            ("种子（开标时揭示）", self.hexp(k.get("seed")))], [0.22 * w, 0.78 * w]))
        contributions = k.get("contributions") or []
        if contributions:
            rows = [[self.p(h, "head") for h in ("序号", "随机数贡献方", "随机数（nonce）")]]
            for index, c in enumerate(contributions, start=1):
                rows.append([self.p(str(index)), self.p(text_or(c.get("contributor"))), self.hexp(c.get("nonce"))])
            out += [Spacer(1, 4), self.grid(rows, [16, 0.5 * w - 16, 0.5 * w], long=True)]
        out += [Spacer(1, 4), self.p(
            "复核方法：将本节的取值范围、承诺值、种子、抽取标识和全部随机数（即开标大厅公布的 inputs.json）"
            "保存后，任何人均可运行下列命令重新计算 K，并核对种子与承诺值相符：", "small"),
            Paragraph("python tools/recompute_k.py inputs.json",
                      ParagraphStyle("cmd", parent=self.s["hex"], fontSize=8.5, leading=12, leftIndent=12))]
        return out

    def objections(self):
        items = self.r.get("objections") or []
        out = self.heading("异议与答复")
        if not items:
            out.append(self.p("开标过程中无投标人提出异议。", "body"))
            return out
        for index, o in enumerate(items, start=1):
            answered = o.get("answer")
            block = [
                self.p(f"异议 {index}　{text_or(o.get('bidder'))}　提出时间 {beijing_time(o.get('asked_at'))}", "body"),
                self.p(f"异议内容：{text_or(o.get('question'))}", "note"),
                self.p(f"答复（{text_or(o.get('answered_by'))}，{beijing_time(o.get('answered_at'))}）：{answered}"
                       if answered else "答复：（未答复）", "note"),
                Spacer(1, 5),
            ]
            # a short exchange stays on one page; a long one may split between its paragraphs
            short = sum(len(str(o.get(k) or "")) for k in ("question", "answer")) < 600
            out += [KeepTogether(block)] if short else block
        return out

    def steps(self):
        steps = self.r.get("steps") or []
        out = self.heading("开标过程记录")
        if not steps:
            out.append(self.p("（无）", "body"))
            return out
        rows = [[self.p(h, "head") for h in ("时间", "操作人", "角色", "操作", "网络地址")]]
        for s in steps:
            role = s.get("role")
            rows.append([self.p(beijing_time(need(s, "at", "steps[]"))), self.p(text_or(s.get("actor"), "系统")),
                         self.p(ROLES.get(role, text_or(role))), self.step(s),
                         self.hexp(s.get("address"))])
        w = self.width
        out.append(self.grid(rows, [84, 0.17 * w, 0.13 * w, w - 84 - 0.30 * w - 92, 92], long=True))
        return out

    def step(self, s):
        """The step's name (else its action), and what it recorded in smaller type below it."""
        name = escape(text_or(s.get("name") or s.get("action")))
        details = s.get("details")
        if not details:
            return self.p(name, raw=True)
        return self.p(f'{name}<br/><font size="7">{escape(str(details))}</font>', raw=True)

    def integrity(self):
        out = self.heading("记录完整性")
        digest = self.r.get("digest_of_events")
        w = self.width
        out.append(self.kv([("开标过程事件链摘要（SHA-256）", self.hexp(digest))], [0.3 * w, 0.7 * w]))
        out += [Spacer(1, 3), self.p(
            "本记录表由开标过程事件生成；本 PDF 文件的 SHA-256 摘要随文件一并记入审计记录，"
            "以同一记录重新生成可得到完全相同的文件。", "small")]
        return out

    def signatures(self, opening):
        out = self.heading("签字确认")
        w = self.width
        host, supervisor = text_or(opening.get("host"), ""), text_or(opening.get("supervisor"), "")
        out.append(self.grid(
            [[self.p(f"开标主持人：{host}", "val"), self.p("签字：", "val"), "", "",
              self.p(f"监标人：{supervisor}", "val"), self.p("签字：", "val"), ""]],
            [0.23 * w, 0.07 * w, 0.18 * w, 0.04 * w, 0.23 * w, 0.07 * w, 0.18 * w], header=False, ruled=False,
            extra=[("TOPPADDING", (0, 0), (-1, -1), 14),
                   ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                   ("LINEBELOW", (2, 0), (2, 0), 0.6, INK), ("LINEBELOW", (6, 0), (6, 0), 0.6, INK)]))
        out.append(Spacer(1, 6))
        rows = [[self.p(h, "head") for h in ("序号", "投标人", "确认情况", "确认时间", "电子签章 / 签字")]]
        for index, bid in enumerate(self.r["bids"], start=1):
            rows.append([self.p(str(index)), self.p(bid["bidder"]),
                         self.p(CONFIRMATIONS[bid.get("confirmation") or "pending"]),
                         self.p(beijing_time(bid.get("confirmed_at"))), ""])
        out.append(self.grid(rows, [16, 0.36 * w, 0.14 * w, 0.2 * w, w - 16 - 0.7 * w], long=True,
                             extra=[("TOPPADDING", (0, 1), (-1, -1), 6), ("BOTTOMPADDING", (0, 1), (-1, -1), 6)]))
        out += [Spacer(1, 3), self.p("投标人在开标大厅在线确认或提出异议，确认情况与时间以开标过程记录为准；"
                                     "在规定时间内未答复的视为认可开标结果。", "small")]
        return out


def render_record_pdf(record: dict, *, font_path=None) -> bytes:
    """The opening record as PDF bytes (A4), the same bytes for the same record and font."""
    font, mono = register_font(str(find_cjk_font(font_path)))
    code, story = _Builder(record, font, mono).build()
    tender = record["tender"]
    return build_pdf(
        story, font=font,
        left=f"项目编号 {code}　第 {tender['lot_number']} 标段（包）　开标记录表",
        top=(text_or(tender.get("trading_center"), "") + "　开标记录表").strip("　"),
        title=f"开标记录表 {code} 第{tender['lot_number']}标段", author=text_or(tender.get("trading_center"), "Kaibiao"),
        subject=str(tender["project_name"]))
