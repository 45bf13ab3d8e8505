"""The platform's PDF toolkit (trading/pdf.py) serves any document, not only the opening record:
its font travels inside the file and the same story gives the same bytes."""

import ast
from pathlib import Path

from reportlab.platypus import Spacer

from trading import pdf

ROOT = Path(__file__).resolve().parents[2]


def _small_document() -> bytes:
    font, mono = pdf.register_font(str(pdf.find_cjk_font()))
    doc = pdf.DocumentBuilder(font, mono)
    story = [doc.p("中标通知书", "title"), *doc.heading("中标结果"),
             doc.kv([("中标人", "南宁建工集团有限公司"), ("中标价", "¥4,598,600.00")], [80, 160, 80, 160]),
             Spacer(1, 4), doc.grid([[doc.p("序号", "head"), doc.p("摘要", "head")], [doc.p("1"), doc.hexp("ab" * 32)]],
                                    [40, doc.width - 40])]
    return pdf.build_pdf(story, font=font, left="中标通知书", top="测试交易中心", title="中标通知书",
                         author="测试交易中心", subject="测试")


def test_another_document_embeds_its_font_and_renders_the_same_bytes():
    first, again = _small_document(), _small_document()
    assert first == again
    assert first.startswith(b"%PDF") and b"/FontFile2" in first
    for absent in (b"STSong", b"Helvetica", b"UniGB"):
        assert absent not in first


def test_the_record_and_its_toolkit_stay_small_and_say_what_they_are_for():
    for path in ("trading/pdf.py", "trading/formats.py", "bidding/record_pdf.py", "bidding/record_text.py"):
        source = (ROOT / path).read_text(encoding="utf-8")
        assert len(source.splitlines()) < 400, path
        first_line = ast.get_docstring(ast.parse(source)).splitlines()[0]
        assert first_line.endswith("."), (path, first_line)
