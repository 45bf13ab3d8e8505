"""How the evaluation report writes its values: amounts as people write them, Beijing times, the result read safely.

The summary's result (docs/evaluation-format.md, evaluation.formulas.evaluate) is read here
only, each field with a default: a figure the result lacks is shown as absent (—), never
guessed. No database access."""

from bidding.record_text import RecordError, beijing_time, format_money, text_or
from trading import formats

__all__ = ["ABSENT", "money", "capital", "when", "points", "Result", "text_or"]

ABSENT = formats.ABSENT
FORMULAS = {"lowest_benchmark": "最低价基准法：价格分 = 评标基准价 ÷ 投标报价 × 价格权重分",
            "average_benchmark": "平均价基准法：评标基准价 = 有效投标报价的算术平均值 × (1 − K)；"
                                 "投标报价每高于基准价 1% 扣减规定分值，每低于 1% 扣减规定分值，最低为 0 分"}
TIE_RULES = {"price": "投标报价较低者优先", "technical": "技术得分较高者优先", "draw": "以公开承诺的随机种子抽签决定"}
FLAG_OUTCOMES = {"confirmed": "专家复核后维持原评分", "changed": "专家复核后修改评分", "open": "尚未处理"}


def money(value) -> str:
    """'1234567.5' → '1,234,567.50元'; absent as —; a value that is not an amount as it is."""
    if value in (None, ""):
        return ABSENT
    try:
        return format_money(str(value))
    except (RecordError, ValueError):
        return str(value)


def capital(value) -> str:
    """The amount in capital numerals (大写), or ''."""
    try:
        return formats.capital_yuan(formats.parse_amount(str(value)))
    except (ValueError, TypeError):
        return ""


def when(value) -> str:
    try:
        return beijing_time(value)
    except RecordError:
        return text_or(value)


def points(value) -> str:
    return ABSENT if value in (None, "") else str(value)


class Result:
    """The summary's document and result, read with defaults: per bid its figures, the ranking,
    the candidates, the ties, the price benchmark."""

    def __init__(self, document: dict, result: dict):
        self.document = document if isinstance(document, dict) else {}
        self.result = result if isinstance(result, dict) else {}
        self.bids = {b.get("id"): b for b in self._list(self.result, "bids") if isinstance(b, dict)}
        self.doc_bids = {b.get("id"): b for b in self._list(self.document, "bids") if isinstance(b, dict)}
        self.experts = [e for e in self._list(self.document, "experts") if isinstance(e, dict)]
        self.items = [i for i in self._list(self.document, "items") if isinstance(i, dict)]
        self.scores = {(s.get("expert"), s.get("bid"), s.get("item")): s.get("points")
                       for s in self._list(self.document, "scores") if isinstance(s, dict)}

    @staticmethod
    def _list(mapping, key) -> list:
        value = mapping.get(key)
        return value if isinstance(value, list) else []

    def bid(self, bid_id) -> dict:
        return self.bids.get(bid_id) or {}

    def responsive(self, bid_id) -> bool | None:
        for source in (self.bid(bid_id), self.doc_bids.get(bid_id) or {}):
            if isinstance(source.get("responsive"), bool):
                return source["responsive"]
        return None

    def reasons(self, bid_id) -> list[str]:
        for source in (self.bid(bid_id), self.doc_bids.get(bid_id) or {}):
            if isinstance(source.get("reasons"), list):
                return [str(r) for r in source["reasons"]]
        return []

    def item_points(self, bid_id) -> dict:
        """{item id: {"points", "dropped": [expert ids]}} of one bid."""
        out = {}
        for entry in self.bid(bid_id).get("items") or []:
            if isinstance(entry, dict):
                out[entry.get("item")] = {"points": entry.get("points"), "dropped": entry.get("dropped") or []}
        return out

    def figure(self, bid_id, key):
        return self.bid(bid_id).get(key)

    @property
    def ranking(self) -> list:
        return self._list(self.result, "ranking")

    @property
    def candidates(self) -> list:
        return self._list(self.result, "candidates")[:3]

    @property
    def ties(self) -> list[dict]:
        return [t for t in self._list(self.result, "ties") if isinstance(t, dict)]

    @property
    def price(self) -> dict:
        value = self.result.get("price")
        return value if isinstance(value, dict) else {}

    @property
    def price_rules(self) -> dict:
        value = self.document.get("price")
        return value if isinstance(value, dict) else {}
