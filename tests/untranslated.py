"""What a person reads on a page, and the words in it that are not in the page's language.

The untranslated-text detector of the page crawl (tests/demo/test_untranslated_text.py), kept
apart so that its own rules are tested (tests/test_untranslated_detector.py).

What a person reads: the text of the page outside <script>, <style>, <code>, <pre>, <kbd> and
<samp> (command lines, digests and raw codes, shown as such), the <title>, and the attributes
read on the page or by a screen reader (placeholder, title, aria-label, alt, a button's value)
and the data-* texts the page's scripts show (not the JSON they read). An element with its own
lang attribute (the language switch's "English", the brand 开标) says which language it is in.

On a Chinese page a run of Latin letters is English unless it is a code, a name or a unit:
anything with a digit in it (NN2026-GC-0047, SHA-256, age1…, 91450100MA5…, 12.5), a web address,
an e-mail address, a file name, a name from the data (a username: `names`), or a word of ALLOWED.
On an English page, Chinese is left only in names and data: a run of Chinese that is not one of
the data's own runs (`data_runs`), a law citation 《…》 or a Chinese capital-numeral amount is
Chinese interface text.
"""

import json
import re
from html.parser import HTMLParser

# Latin that a Chinese page legitimately carries: units, format and standard names, the random
# coefficient's letter. Each is what Chinese users themselves write in Latin.
ALLOWED = frozenset({
    "K",  # 随机系数 K (the tender documents' own letter)
    "B", "KB", "MB", "GB",  # sizes
    "PDF", "JSON", "PEM", "QR", "CSV", "XLSX", "SHA", "UTC", "CA", "URL", "ID",
    "age",  # the age encryption format (age-encryption.org), its name
    "Python",  # the language the platform's own tools run in, its name
})

SKIPPED_ELEMENTS = frozenset({"script", "style", "code", "pre", "kbd", "samp", "template", "noscript"})
CODE_ELEMENTS = frozenset({"code", "pre", "kbd", "samp"})  # shown as code: no interface text, no Python repr
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
READ_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class _Reader(HTMLParser):
    """The texts a person reads, each a separate string (a text node or an attribute)."""

    def __init__(self, language: str, data_attributes: bool = True):
        super().__init__(convert_charrefs=True)
        self.data_attributes = data_attributes
        self.language = language.split("-")[0].lower()
        self.texts: list[str] = []
        self.code_texts: list[str] = []  # what <code>, <pre>… show
        self.stack: list[tuple[str, bool]] = []  # open elements: (tag, skipped)
        self.in_title = False

    @property
    def skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = (attrs.get("lang") or "").split("-")[0].lower()
        skipped = tag in SKIPPED_ELEMENTS or (tag != "html" and bool(lang) and lang != self.language)
        if not self.skipping and not skipped:
            self._attributes(tag, attrs)
        if tag == "title":
            self.in_title = True
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        attrs = dict(attrs)
        lang = (attrs.get("lang") or "").split("-")[0].lower()
        if not self.skipping and not (lang and lang != self.language):
            self._attributes(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        for index in range(len(self.stack) - 1, -1, -1):  # forgiving of unclosed elements
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if not data.strip():
            return
        if not self.skipping:
            self.texts.append(" ".join(data.split()))
        elif all(tag in CODE_ELEMENTS or not skipped for tag, skipped in self.stack):
            self.code_texts.append(data)

    def _attributes(self, tag, attrs):
        for name in READ_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and (attrs.get("type") or "").lower() in ("submit", "button", "reset") and attrs.get("value"):
            self.texts.append(attrs["value"])
        for name, value in attrs.items():
            if self.data_attributes and name.startswith("data-") and value and _shown_text(name, value):
                self.texts.append(value)


def _shown_text(name: str, value: str) -> bool:
    """A data-* value the page's script shows (data-closed-text="已截止", data-empty="暂无"),
    not one it reads (JSON, an address, a time, a code such as data-type="money")."""
    stripped = value.strip()
    if stripped[:1] in "[{":
        try:
            json.loads(stripped)
            return False
        except ValueError:
            return True
    if name.endswith("-text"):
        return True
    return not re.fullmatch(r"[\w:+.\-/]*", stripped, re.ASCII)


def visible_texts(html: str, language: str, *, data_attributes: bool = True) -> list[str]:
    """The texts of a page as served. In a page as a browser has run it, `data_attributes=False`:
    the scripts' own data-* (their state, keyed by names and answers) are not read."""
    return _read(html, language, data_attributes).texts


def _read(html, language, data_attributes=True) -> _Reader:
    reader = _Reader(language, data_attributes)
    reader.feed(html)
    reader.close()
    return reader


_PYTHON_REPR = re.compile(r"\{'\w+': |\[\{'|<\w+ object at 0x|\bDecimal\('|datetime\.datetime\(")
_PYTHON_CONSTANT = re.compile(r"\bNone\b|\bTrue\b|\bFalse\b")


def python_reprs(html: str, language: str) -> list[str]:
    """What the page shows that is a Python repr ({'k': None}, Decimal('1'), and None, True or
    False shown as code): data printed for a programmer, not written for a reader."""
    reader = _read(html, language)
    return ([text for text in reader.texts if _PYTHON_REPR.search(text)]
            + [text for text in reader.code_texts if _PYTHON_REPR.search(text) or _PYTHON_CONSTANT.search(text)])


# --- English on a Chinese page -------------------------------------------------------------------

_NOT_WORDS = re.compile(
    r"(?:https?|wss?)://\S+"  # web addresses
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|(?<![\w/])/[\w./?=&%-]*"  # a path on the site
    r"|[\w.\-…]+\.(?:pdf|json|age|txt|pem|docx?|xlsx?|zip|rar|csv|png|jpe?g|html?)\b"  # file names
    r"|“[a-z_][a-z0-9_.]*”"  # a field's key quoted: “receipt”, “price”
    r"|[\w.\-:/+=]*\d[\w.\-:/+=]*",  # anything with a digit: codes, numbers, digests, keys, times
    re.IGNORECASE,
)
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def english_words(text: str, names=frozenset()) -> list[str]:
    """The English words left in a text of a Chinese page (see the module docstring)."""
    for name in sorted(names, key=len, reverse=True):
        if name in text:
            text = text.replace(name, " ")
    text = _NOT_WORDS.sub(" ", text)
    return [word for word in _LATIN_WORD.findall(text) if word not in ALLOWED]


# --- Chinese on an English page --------------------------------------------------------------------

_CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef0-9]+")
_HAS_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CITATION = re.compile(r"《[^》]{1,40}》(?:第[零一二三四五六七八九十百千]+条)?(?:、第[零一二三四五六七八九十百千]+条)*")
_CAPITAL_AMOUNT = re.compile(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整]{2,}")


def cjk_runs(text: str) -> set[str]:
    """The runs of Chinese in a text, law citations and capital-numeral amounts taken out."""
    return set(_runs(text))


def _runs(text: str) -> list[str]:
    text = _CITATION.sub(" ", text)
    text = _CAPITAL_AMOUNT.sub(" ", text)
    return [run for run in _CJK_RUN.findall(text) if _HAS_CJK.search(run)]


def chinese_runs(text: str, data_runs=frozenset()) -> list[str]:
    """The runs of Chinese in a text of an English page that are not data (module docstring)."""
    return [run for run in _runs(text) if run not in data_runs]
