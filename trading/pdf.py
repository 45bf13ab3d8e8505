"""The platform's PDF toolkit: an embedded TrueType CJK font, numbered A4 pages, ruled tables, the same bytes every time.

The font is a TrueType CJK font embedded in the file (subset, /FontFile2): an archived document
must not depend on the fonts of whoever opens it, so the viewer-side STSong-Light is never used.
`build_pdf` runs ReportLab in its invariant mode (no creation date, a fixed document id), so the
same story and font give the same bytes and `pdf_digest` can be checked later by rendering again.

    find_cjk_font(font_path=None) -> Path      argument, else $KAIBIAO_CJK_FONT, else WenQuanYi
    register_font(path) -> (font, mono)        ReportLab names of the regular and monospaced faces
    DocumentBuilder(font, mono)                paragraphs, numbered headings, tables, key/value grids
    build_pdf(story, font=, left=, top=, title=, author=, subject=) -> bytes
    pdf_digest(pdf) -> str                     SHA-256, hex
"""

import hashlib
import io
import os
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, LongTable, Paragraph, SimpleDocTemplate, Table

from .formats import ABSENT

__all__ = ["FONT_ENV", "DEFAULT_FONTS", "FONT_PACKAGE", "FontNotFound", "find_cjk_font", "register_font",
           "numbered_canvas", "DocumentBuilder", "build_pdf", "pdf_digest",
           "INK", "RULE", "SHADE", "BAND", "ALERT", "MARGIN"]

FONT_ENV = "KAIBIAO_CJK_FONT"
DEFAULT_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
FONT_PACKAGE = "fonts-wqy-zenhei"

INK = colors.HexColor("#1a1a1a")
RULE = colors.HexColor("#7a7a7a")
SHADE = colors.HexColor("#e8ecf2")
BAND = colors.HexColor("#f5f6f8")
ALERT = colors.HexColor("#a40000")
MARGIN = 15 * mm
SECTIONS = "一二三四五六七八九十"


class FontNotFound(RuntimeError):
    """No usable TrueType CJK font: the document would not carry its glyphs."""


# --- font ------------------------------------------------------------------------------------


def find_cjk_font(font_path=None) -> Path:
    """The font file to embed: the argument, else $KAIBIAO_CJK_FONT, else the first WenQuanYi
    font installed. A path that was asked for but is missing is an error, never a fallback."""
    asked = font_path or os.environ.get(FONT_ENV)
    candidates = [Path(asked)] if asked else [Path(p) for p in DEFAULT_FONTS]
    for path in candidates:
        if path.is_file():
            return path
    where = ", ".join(str(p) for p in candidates)
    raise FontNotFound(
        f"No TrueType CJK font for the PDF (looked at {where}). Install Debian's "
        f"{FONT_PACKAGE} package (apt-get install {FONT_PACKAGE}) or set {FONT_ENV} to a TrueType "
        f".ttf/.ttc font with Chinese glyphs. Every PDF of the platform embeds its font; STSong-Light is never used.")


@lru_cache(maxsize=8)
def register_font(path: str) -> tuple[str, str]:
    """Register the font (and its monospaced sibling in a .ttc, for digests) once per process;
    the names depend on the font's own name only, so the output does not depend on the path."""
    collection = path.lower().endswith((".ttc", ".otc"))
    try:
        regular = TTFont("_probe", path, subfontIndex=0) if collection else TTFont("_probe", path)
        mono = None
        if collection:
            try:
                candidate = TTFont("_probe_mono", path, subfontIndex=1)
                if b"mono" in candidate.face.name.lower():
                    mono = candidate
            except TTFError:
                pass
    except TTFError as err:
        raise FontNotFound(
            f"{path} cannot be embedded as a TrueType font ({err}). CFF/OpenType fonts such as Noto "
            f"CJK are refused by ReportLab: install Debian's {FONT_PACKAGE} or point {FONT_ENV} at "
            f"a TrueType font.") from err
    if ord("中") not in regular.face.charToGlyph:
        raise FontNotFound(f"{path} has no Chinese glyphs: install Debian's {FONT_PACKAGE}.")
    names = []
    for font in (regular, mono or regular):
        name = "Kaibiao-" + font.face.name.decode("latin-1")
        font.fontName = name
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(font)
        names.append(name)
    return names[0], names[1]


# --- pages -----------------------------------------------------------------------------------


def numbered_canvas(font: str, left: str, top: str):
    """A canvas that holds its pages until the end, to write 'page x / y' on each."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, page in enumerate(self._pages, start=1):
                self.__dict__.update(page)
                self._furniture(number, total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _furniture(self, number, total):
            width, height = self._pagesize
            self.saveState()
            self.setFillColor(RULE)
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            self.setFont(font, 7.5)
            self.drawRightString(width - MARGIN, height - MARGIN + 5 * mm, top)
            self.line(MARGIN, MARGIN - 4 * mm, width - MARGIN, MARGIN - 4 * mm)
            self.setFillColor(INK)
            self.setFont(font, 8)
            self.drawString(MARGIN, MARGIN - 8.5 * mm, left)
            self.drawRightString(width - MARGIN, MARGIN - 8.5 * mm, f"第 {number} 页 / 共 {total} 页")
            self.restoreState()

    return NumberedCanvas


def build_pdf(story, *, font: str, left: str, top: str, title: str, author: str, subject: str) -> bytes:
    """The story on numbered A4 pages (`left` in the footer, `top` in the header), the same bytes
    for the same story and font."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
        title=title, author=author, subject=subject, creator="Kaibiao 开标", producer="Kaibiao 开标 (ReportLab)",
        invariant=1, lang="zh-CN",
        # ReportLab opens every page in Helvetica unless told otherwise: a font nobody embeds
        initialFontName=font)
    doc.build(story, canvasmaker=numbered_canvas(font, left, top))
    return buffer.getvalue()


def pdf_digest(pdf: bytes) -> str:
    """SHA-256 of the PDF bytes, hex: what the audit trail records next to the archived file."""
    return hashlib.sha256(pdf).hexdigest()


# --- the story -------------------------------------------------------------------------------


def styles(font: str, mono: str) -> dict[str, ParagraphStyle]:
    """The paragraph styles of a platform document, by name; "hex" is monospaced, for digests."""
    base = dict(fontName=font, textColor=INK, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", **base, fontSize=20, leading=26, alignment=TA_CENTER, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", **base, fontSize=10.5, leading=14, alignment=TA_CENTER,
                                   spaceAfter=8),
        "h": ParagraphStyle("h", **base, fontSize=12, leading=16, spaceBefore=10, spaceAfter=5),
        "body": ParagraphStyle("body", **base, fontSize=9, leading=13),
        "small": ParagraphStyle("small", **base, fontSize=7.5, leading=10),
        "note": ParagraphStyle("note", **base, fontSize=7.5, leading=10, leftIndent=10, firstLineIndent=-10),
        "cell": ParagraphStyle("cell", **base, fontSize=7.5, leading=9.5),
        "head": ParagraphStyle("head", **base, fontSize=7.5, leading=9.5, alignment=TA_CENTER),
        "key": ParagraphStyle("key", **{**base, "textColor": colors.HexColor("#333333")},
                              fontSize=8.5, leading=11.5),
        "val": ParagraphStyle("val", **base, fontSize=8.5, leading=11.5),
        "hex": ParagraphStyle("hex", fontName=mono, fontSize=6.8, leading=9, textColor=INK, wordWrap="CJK"),
        "big": ParagraphStyle("big", **base, fontSize=14, leading=18),
    }


class DocumentBuilder:
    """Paragraphs, numbered headings (一、二、…) and ruled tables in the embedded font, on the
    width of an A4 page between the margins. A document subclasses it and adds its sections."""

    def __init__(self, font: str, mono: str):
        self.font, self.mono = font, mono
        self.width = A4[0] - 2 * MARGIN
        self.s = styles(font, mono)
        self.section_no = 0

    def p(self, text, style="cell", raw=False):
        return Paragraph(text if raw else escape(str(text)), self.s[style])

    def hexp(self, text):
        return Paragraph(escape(ABSENT if text in (None, "") else str(text)), self.s["hex"])

    def heading(self, title):
        self.section_no += 1
        return [CondPageBreak(30 * mm), Paragraph(f"{SECTIONS[self.section_no - 1]}、{escape(title)}", self.s["h"])]

    def grid(self, rows, widths, *, header=True, long=False, extra=(), zebra=True, ruled=True):
        cls = LongTable if long else Table
        # rows are kept whole (ReportLab's in-row split leaves a header without rows at a page
        # foot), so no cell may hold more than a page: long values belong in notes
        table = cls(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
        style = [
            *([("GRID", (0, 0), (-1, -1), 0.4, RULE)] if ruled else []),
            ("FONTNAME", (0, 0), (-1, -1), self.font),  # empty cells too: never Helvetica
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
            if zebra:
                style += [("BACKGROUND", (0, i), (-1, i), BAND) for i in range(2, len(rows), 2)]
        table.setStyle(style + list(extra))
        return table

    def kv(self, pairs, widths):
        """Key/value pairs in rows of len(widths) // 2 pairs."""
        per_row = len(widths) // 2
        rows, style = [], []
        for start in range(0, len(pairs), per_row):
            chunk = pairs[start:start + per_row]
            row = []
            for key, value in chunk:
                row += [self.p(key, "key"), value if not isinstance(value, str) else self.p(value, "val")]
            if len(chunk) < per_row:
                style.append(("SPAN", (len(row) - 1, len(rows)), (-1, len(rows))))
                row += [""] * (len(widths) - len(row))
            rows.append(row)
        style += [("BACKGROUND", (c, 0), (c, -1), SHADE) for c in range(0, len(widths), 2)]
        return self.grid(rows, widths, header=False, extra=style)
