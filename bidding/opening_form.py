"""The opening form: the declared items a bid's small sealed file carries, and their check.

The opening form: the declared items a bid's small sealed file carries (price, duration,
quality…), read out at the opening before the large files are decrypted. Pure functions (only the
words of item_problems are translated): the tender's items, their check, and the check of a
form against them (used by the sealer before sealing, and
by the opening to flag — never fix — a value that does not fit)."""

from dataclasses import dataclass

from trading.formats import AmountError, parse_amount

from django.utils.translation import gettext as _

TYPES = ("money", "integer", "text", "choice")

DEFAULT_ITEMS = {
    "works": [
        {"key": "price", "label": "投标报价（元）", "type": "money", "required": True},
        {"key": "duration_days", "label": "工期（日历天）", "type": "integer", "required": True},
        {"key": "quality", "label": "质量标准", "type": "choice", "choices": ["合格", "优良"], "required": True},
        {"key": "project_manager", "label": "项目经理", "type": "text", "required": True},
    ],
    "goods": [
        {"key": "price", "label": "投标报价（元）", "type": "money", "required": True},
        {"key": "delivery_days", "label": "交货期（日历天）", "type": "integer", "required": True},
        {"key": "warranty_months", "label": "质保期（月）", "type": "integer", "required": True},
    ],
    "services": [
        {"key": "price", "label": "投标报价（元）", "type": "money", "required": True},
        {"key": "service_period_days", "label": "服务期（日历天）", "type": "integer", "required": True},
    ],
    "land": [{"key": "price", "label": "报价（元）", "type": "money", "required": True}],
    "property": [{"key": "price", "label": "报价（元）", "type": "money", "required": True}],
}


def default_items(category: str) -> list[dict]:
    return [dict(item) for item in DEFAULT_ITEMS.get(category, DEFAULT_ITEMS["services"])]


@dataclass(frozen=True)
class ItemProblem:
    index: int | None  # the item's place in the list, None for the list as a whole
    field: str | None  # "key", "label", "type" or "choices": where a form shows the message
    message: str


def item_problems(items: list[dict]) -> list[ItemProblem]:
    """Every way a tender's own item list breaks the rules, in the reader's language: the price
    is declared (key “price”, an amount), each key a plain name used once, each item headed, of a
    known type, a choice with its options. The service refuses with these (bidding.services
    .update_rules) and the staff's form shows each beside its field."""
    problems, keys = [], set()
    if not any(item.get("key") == "price" and item.get("type") == "money" for item in items):
        problems.append(ItemProblem(None, None, _(
            "The opening form must declare the price: an item with the key “price” of the type amount.")))
    for index, item in enumerate(items):
        key = item.get("key")
        if not key or not str(key).isidentifier():
            problems.append(ItemProblem(index, "key", _(
                "A key is a plain name of letters, digits and _, not starting with a digit (such as duration_days).")))
        elif key in keys:
            problems.append(ItemProblem(index, "key", _("The key “%(key)s” is used twice.") % {"key": key}))
        keys.add(key)
        if not str(item.get("label") or "").strip():
            problems.append(ItemProblem(index, "label", _("Give the column a heading, as the opening record prints it.")))
        if item.get("type") not in TYPES:
            problems.append(ItemProblem(index, "type", _("The type must be amount, whole number, text or choice.")))
        elif item.get("type") == "choice" and not item.get("choices"):
            problems.append(ItemProblem(index, "choices", _("A choice needs its options.")))
    return problems


def check_items(items: list[dict]) -> list[str]:
    """Problems with a tender's own item list (item_problems, as sentences)."""
    return [problem.message for problem in item_problems(items)]


def check_form(form, items: list[dict]) -> list[str]:
    """Every way `form` does not fit the tender's items, in the items' words; empty if it fits.
    Values are compared as sealed: nothing is rounded, trimmed or converted here."""
    if not isinstance(form, dict):
        return ["the opening form must be a JSON object of item: value"]
    problems = []
    by_key = {item["key"]: item for item in items}
    for key in form:
        if key not in by_key:
            problems.append(f"“{key}” is not an item this tender declares")
    for key, item in by_key.items():
        label = item.get("label", key)
        if key not in form or form[key] in (None, ""):
            if item.get("required"):
                problems.append(f"{label}: missing")
            continue
        problem = _check_value(form[key], item)
        if problem:
            problems.append(f"{label}: {problem}")
    return problems


def _check_value(value, item) -> str | None:
    kind = item.get("type")
    if kind == "money":
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            return "write the amount as a string such as \"1234567.89\" (never a floating-point number)"
        try:
            amount = parse_amount(value)  # as people write it: "1,234,567.89", full-width digits
        except AmountError as err:
            return "at most two decimals (fen)" if err.code == "decimals" else f"{value!r} is not an amount"
        if amount <= 0:
            return "the amount must be positive"
        return None
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            return f"{value!r} is not a positive whole number"
        return None
    if kind == "choice":
        return None if value in item.get("choices", []) else f"{value!r} is not one of {', '.join(item['choices'])}"
    if kind == "text":
        return None if isinstance(value, str) and value.strip() and len(value) <= 500 else "text of 1 to 500 characters"
    return "unknown item type"
