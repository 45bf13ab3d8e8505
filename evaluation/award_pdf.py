"""The award notice (中标通知书, or 成交确认书 for a price sale) as a PDF: a pure function from a plain dict to the same bytes every time.

No database access: evaluation.awarding builds the dict when the lot is awarded, stores the bytes
and their SHA-256 with the award, and anyone can render the dict again and compare the digest.
The notice is a legal document of the platform in Chinese, as the opening record is
(bidding.record_pdf); the font is embedded and the output invariant (trading.pdf).

The dict (amounts: decimal strings; times: aware datetimes or ISO 8601 strings with an offset):

    number, sale (bool), project_code, project_name, lot_number, lot_name, trading_center,
    tenderee, agent?, winner, winner_uscc, price, budget, bid_deadline, publicity_starts?,
    publicity_ends?, awarded_at, contract_days, candidates: [{rank, name, price}]

    render_award_notice(notice, font_path=None) -> bytes
"""

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from bidding.record_text import beijing_time, format_money, text_or
from trading.formats import capital_yuan
from trading.pdf import DocumentBuilder, build_pdf, find_cjk_font, register_font

__all__ = ["render_award_notice"]

CONTRACT_LAW = "《中华人民共和国招标投标法》第四十六条"
NOTICE_LAW = "《中华人民共和国招标投标法》第四十五条"


def _date(value) -> str:
    return beijing_time(value)[:10] if value else "—"


class _Notice(DocumentBuilder):
    def story(self, n: dict) -> list:
        sale = bool(n.get("sale"))
        title = "成交确认书" if sale else "中标通知书"
        winner_word, price_word = ("竞得人", "成交价") if sale else ("中标人", "中标价")
        price = format_money(n["price"])
        story = [self.p(title, "title"), self.p(f"编号：{n['number']}", "subtitle"),
                 self.p(f"{text_or(n['winner'])}：", "big"), Spacer(0, 3 * mm)]
        lot = f"第{n['lot_number']}标段（包）“{text_or(n.get('lot_name'), '')}”"
        if sale:
            body = (f"你方参与的“{n['project_name']}”（项目编号 {n['project_code']}）{lot}，于"
                    f"{_date(n['bid_deadline'])}开标，经确认你方为{winner_word}，{price_word}为人民币"
                    f"{capital_yuan(n['price'])}（{price}）。")
        else:
            body = (f"你方于{_date(n['bid_deadline'])}递交的“{n['project_name']}”（项目编号 {n['project_code']}）"
                    f"{lot}投标文件，经评标委员会评审推荐、中标候选人公示期满，确定你方为{winner_word}，"
                    f"{price_word}为人民币{capital_yuan(n['price'])}（{price}）。")
        story.append(self.p(body, "body"))
        story.append(Spacer(0, 2 * mm))
        story.append(self.p(
            f"请你方自本通知书发出之日起{n['contract_days']}日内，按照招标文件和你方投标文件与招标人订立书面合同"
            f"（{CONTRACT_LAW}）。本通知书发出后，招标人改变中标结果的，或者中标人放弃中标项目的，应当依法承担法律责任"
            f"（{NOTICE_LAW}）。", "body"))
        story += self.heading("中标情况" if not sale else "成交情况")
        w = self.width / 4
        pairs = [("项目编号", n["project_code"]), ("项目名称", n["project_name"]),
                 ("标段（包）", lot), ("交易中心", text_or(n.get("trading_center"))),
                 ("招标人" if not sale else "出让人（转让方）", text_or(n.get("tenderee"))),
                 ("招标代理机构", text_or(n.get("agent"))),
                 (winner_word, text_or(n["winner"])), ("统一社会信用代码", text_or(n.get("winner_uscc"))),
                 (price_word, price), ("预算金额" if not sale else "底价", format_money(n["budget"])),
                 ("公示期", f"{beijing_time(n.get('publicity_starts'))} 至 {beijing_time(n.get('publicity_ends'))}"
                  if n.get("publicity_starts") else "—"),
                 ("发出时间", f"{beijing_time(n['awarded_at'])}（北京时间）")]
        story.append(self.kv(pairs, [w * 0.7, w * 1.3, w * 0.7, w * 1.3]))
        candidates = n.get("candidates") or []
        if candidates:
            story += self.heading("中标候选人公示排名" if not sale else "报价排名")
            rows = [[self.p("排名", "head"), self.p("名称", "head"), self.p("投标报价" if not sale else "报价", "head")]]
            rows += [[self.p(str(c.get("rank", i))), self.p(text_or(c.get("name"))), self.p(format_money(c.get("price")))]
                     for i, c in enumerate(candidates, start=1)]
            story.append(self.grid(rows, [self.width * 0.12, self.width * 0.58, self.width * 0.30]))
        story.append(Spacer(0, 8 * mm))
        story.append(self.p(f"{text_or(n.get('tenderee'))}（招标人）", "body"))
        story.append(self.p(f"{text_or(n.get('trading_center'))}（交易平台）", "body"))
        story.append(self.p(f"{_date(n['awarded_at'])}", "body"))
        return story


def render_award_notice(notice: dict, font_path=None) -> bytes:
    """The notice's PDF bytes: the same dict and font give the same bytes."""
    font, mono = register_font(str(find_cjk_font(font_path)))
    sale = bool(notice.get("sale"))
    title = "成交确认书" if sale else "中标通知书"
    return build_pdf(
        _Notice(font, mono).story(notice), font=font,
        left=f"项目编号 {notice['project_code']}　第 {notice['lot_number']} 标段（包）　{title}",
        top=f"{text_or(notice.get('trading_center'), '')}　{title}　编号 {notice['number']}".strip("　"),
        title=f"{title} {notice['project_code']} 第{notice['lot_number']}标段", author=text_or(notice.get("trading_center"), "Kaibiao"),
        subject=f"{title}：{notice['winner']}")
