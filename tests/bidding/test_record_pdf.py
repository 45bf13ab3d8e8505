"""The opening record as a PDF (bidding/record_pdf.py): the font travels inside the file, what
was sealed is shown as sealed, long tables repeat their header on every page, and the same
record gives the same bytes, so that the digest in the audit trail can be checked by rendering
again. The PDF is read back with poppler-utils (pdffonts, pdftotext, pdftoppm), the tools a
reader of the archive would use; `make test` installs them with Debian's fonts-wqy-zenhei."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bidding import record_pdf
from trading import pdf as trading_pdf
from bidding.record_pdf import FontNotFound, RecordError, beijing_time, format_money, pdf_digest, render_record_pdf
from tests.bidding.record_sample import make_record

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: install Debian's poppler-utils (`make test` does)")
    return path


def pdf_text(pdf: bytes, tmp_path, name="record.pdf") -> list[str]:
    """The text of each page, in the order it is drawn (-raw), so that a cell wrapped over
    several lines reads as one run once blanks are taken out (see `flat`)."""
    path = tmp_path / name
    path.write_bytes(pdf)
    out = subprocess.run([_tool("pdftotext"), "-raw", "-enc", "UTF-8", str(path), "-"],
                         check=True, capture_output=True).stdout.decode()
    return out.split("\f")[:-1]


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def record():
    return make_record(6)


@pytest.fixture(scope="module")
def pdf(record):
    return render_record_pdf(record)


@pytest.fixture(scope="module")
def big_record():
    return make_record(60)


@pytest.fixture(scope="module")
def big_pdf(big_record):
    return render_record_pdf(big_record)


# --- the file --------------------------------------------------------------------------------


def test_record_is_a_pdf_of_a4_pages(pdf, tmp_path):
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    info = subprocess.run([_tool("pdfinfo"), str(path)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+595\.2\d* x 841\.8\d* pts \(A4\)", info)
    assert "开标记录表 JSGC-2025-0317-01" in info  # the title in the document's properties


def test_every_font_is_an_embedded_truetype_subset(pdf, tmp_path):
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([_tool("pdffonts"), str(path)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows, out
    for row in rows:
        name, kind, emb, sub, uni = row[0], row[1], row[-5], row[-4], row[-3]
        assert kind == "TrueType", out
        assert (emb, sub, uni) == ("yes", "yes", "yes"), out
        assert "WenQuanYi" in name, out
    # and in the raw bytes: the glyphs are in the file, nothing is left to the viewer
    assert pdf.count(b"/FontFile2") == len(rows)
    for absent in (b"STSong", b"Helvetica", b"/Type1", b"/Type0", b"UniGB"):
        assert absent not in pdf


def test_the_font_is_chosen_from_the_argument_then_the_environment_then_wenquanyi(monkeypatch, tmp_path):
    installed = Path(record_pdf.DEFAULT_FONTS[0])
    monkeypatch.delenv(record_pdf.FONT_ENV, raising=False)
    assert record_pdf.find_cjk_font() == installed
    monkeypatch.setenv(record_pdf.FONT_ENV, str(installed))
    assert record_pdf.find_cjk_font() == installed
    assert record_pdf.find_cjk_font(str(installed)) == installed


def test_a_missing_font_is_a_clear_error_naming_the_package(monkeypatch, tmp_path, record):
    # when: the font asked for does not exist
    with pytest.raises(FontNotFound, match="fonts-wqy-zenhei") as err:
        render_record_pdf(record, font_path=tmp_path / "nowhere.ttc")
    # then: the error says where it looked and never falls back to a font the viewer supplies
    assert str(tmp_path / "nowhere.ttc") in str(err.value)
    assert "STSong-Light is never used" in str(err.value)

    # the environment's path is not silently replaced by the defaults either
    monkeypatch.setenv(record_pdf.FONT_ENV, str(tmp_path / "also-nowhere.ttf"))
    with pytest.raises(FontNotFound, match="also-nowhere.ttf"):
        render_record_pdf(record)

    # nothing installed at all
    monkeypatch.delenv(record_pdf.FONT_ENV)
    monkeypatch.setattr(trading_pdf, "DEFAULT_FONTS", (str(tmp_path / "wqy-zenhei.ttc"),))
    with pytest.raises(FontNotFound, match=r"apt-get install fonts-wqy-zenhei"):
        render_record_pdf(record)


def test_a_file_that_is_not_a_truetype_font_is_refused(tmp_path, record):
    fake = tmp_path / "fake.ttf"
    fake.write_bytes(b"OTTO" + bytes(200))  # a CFF-flavoured OpenType header, as Noto CJK has
    with pytest.raises(FontNotFound, match="cannot be embedded as a TrueType font"):
        render_record_pdf(record, font_path=fake)


# --- what it says ----------------------------------------------------------------------------


def test_the_record_shows_the_tender_in_chinese_with_money_and_beijing_time(pdf, tmp_path):
    text = flat("".join(pdf_text(pdf, tmp_path)))
    for words in ("开标记录表", "项目编号", "JSGC-2025-0317-01", "南京江北新区滨江大道改造提升工程（一期）施工",
                  "第1标段（包）：道路及排水工程", "江苏省公共资源交易中心", "南京江北新区建设投资集团有限公司",
                  "江苏省建设工程招标代理有限公司", "9,000,000.00元", "8,765,432.10元", "30分钟", "孙主持", "钱监督"):
        assert words in text
    # 01:30 UTC is 09:30 in Beijing, to the second
    assert "投标截止时间（开标时间）2025-03-1809:30:00" in text
    assert "开标结束时间2025-03-1810:15:42" in text


def test_every_bid_is_shown_with_its_declared_items_exactly_as_sealed(record, pdf, tmp_path):
    text = flat("".join(pdf_text(pdf, tmp_path)))
    for item in record["declared_items"]:
        assert flat(item["label"]) in text
    for bid in record["bids"]:
        assert bid["bidder"] in text
        assert bid["uscc"] in text
        for key, value in (bid["form"] or {}).items():
            if key != "price":
                assert flat(str(value)) in text
    # a price that is an amount is written as people write it, with its capital numerals (大写)
    assert "7,000,000.00元大写：柒佰万元整" in text
    assert "8,800,000.00元大写：捌佰捌拾万元整" in text
    # the price with three decimals is shown as sealed, not rounded, and flagged with a note
    assert "7350000.125※" in text
    assert "投标报价（元）:atmosttwodecimals(fen)（原样照录，未作更正）" in text
    assert "7350000.13" not in text and "7,350,000.13" not in text


def test_outcomes_confirmations_and_the_ceiling_are_named_in_chinese(pdf, tmp_path):
    text = flat("".join(pdf_text(pdf, tmp_path)))
    for words in ("已解密", "视为撤销", "视为撤回", "经补救解密", "确认", "提出异议", "视为认可",
                  "超过最高投标限价，作否决处理", "投标报价8,800,000.00元超过最高投标限价8,765,432.10元，该投标应予否决。",
                  "投标人未在解密时限内完成解密（投标人原因）。", "递交投标文件6份：已解密3份；视为撤销1份；视为撤回1份；经补救解密1份。"):
        assert words in text


def test_file_digests_k_objections_steps_and_custodians_are_recorded(record, pdf, tmp_path):
    text = flat("".join(pdf_text(pdf, tmp_path)))
    for bid in record["bids"]:
        assert bid["receipt_id"] in text
        for f in bid["files"]:
            assert f["sha256"] in text
            assert f"{f['size']:,}" in text
    k = record["random_coefficient"]
    for value in (k["commitment"], k["seed"], k["k"], "0.95至0.99，步长0.005", "2025-03-1810:05:09"):
        assert value in text
    for c in k["contributions"]:
        assert c["nonce"] in text
    assert "pythontools/recompute_k.pyinputs.json" in text
    objection = record["objections"][0]
    assert flat(objection["question"]) in text and flat(objection["answer"]) in text
    assert "提出时间2025-03-1809:47:12" in text
    assert "答复（孙主持，2025-03-1809:52:30）" in text
    for step in record["steps"]:
        assert flat(step["action"]) in text
    assert "2409:8a1e:6c3f:1a0::25" in text
    assert "交易中心工作人员" in text  # the role in words
    assert "周密钥（交易中心）2025-03-1809:40:00" in text and "冯备份（招标人）未提交" in text
    assert record["digest_of_events"] in text
    for words in ("开标主持人：孙主持", "监标人：钱监督", "签字：", "电子签章/签字"):
        assert words in text


def test_a_record_without_k_or_objections_says_so(tmp_path):
    record = make_record(3)
    record["random_coefficient"], record["objections"] = None, []
    text = flat("".join(pdf_text(render_record_pdf(record), tmp_path)))
    assert "本项目不抽取随机系数。" in text
    assert "开标过程中无投标人提出异议。" in text


def test_a_long_sealed_value_goes_whole_to_a_note(tmp_path):
    record = make_record(3)
    long_value = "项目经理张工，一级建造师，" * 40
    record["bids"][0]["form"]["project_manager"] = long_value
    text = flat("".join(pdf_text(render_record_pdf(record), tmp_path)))
    assert "…（全文见※1）" in text
    assert f"项目经理的全文（原样照录）：{long_value}" in text


def test_a_bid_revoked_by_its_bidder_shows_its_bid_security_not_returned(tmp_path):
    record = make_record(3)
    record["bids"][1].update(outcome="revoked", form=None, outcome_reason="开标密钥无法解密，投标人未加密至开标密钥。",
                             security_forfeit={"amount": "20000.00", "at": "2026-11-22T04:00:00+00:00",
                                               "by": "主持人", "reason": "视为撤销。"})
    text = flat("".join(pdf_text(render_record_pdf(record), tmp_path)))
    name = record["bids"][1]["bidder"]
    assert flat(f"{name}：其投标视为撤销，投标保证金 20,000.00元 不予退还") in text
    assert text.count("投标保证金不予退还") == 1  # its remark in the row; the note says which amount
    assert flat("《电子招标投标办法》第三十一条、《中华人民共和国招标投标法实施条例》第三十五条；"
                "2026-11-22 12:00:00，主持人记录）。视为撤销。") in text
    # Only a bid that counts as revoked loses its security.
    record["bids"][1]["outcome"] = "withdrawn"
    with pytest.raises(RecordError, match="forfeit only for a bid that counts as revoked"):
        render_record_pdf(record)


# --- pages -----------------------------------------------------------------------------------


def test_sixty_bids_span_pages_with_the_header_repeated(big_record, big_pdf, tmp_path):
    pages = [flat(page) for page in pdf_text(big_pdf, tmp_path)]
    in_contributions = {c["contributor"] for c in big_record["random_coefficient"]["contributions"]}
    table_pages = [page for page in pages
                   if any(bid["uscc"] in page for bid in big_record["bids"] if bid["uscc"] not in in_contributions)]
    assert len(table_pages) >= 3
    for page in table_pages:
        assert "序号投标人统一社会信用代码投标报价（元）" in page  # the header row, on every page of the table
    # every bid is there once in the bids table, in order
    joined = "".join(pages)
    positions = [joined.find(bid["uscc"]) for bid in big_record["bids"]]
    assert -1 not in positions and positions == sorted(positions)


def test_every_page_has_its_number_of_the_total_and_the_tender_code(big_pdf, tmp_path):
    pages = [flat(page) for page in pdf_text(big_pdf, tmp_path)]
    total = len(pages)
    assert total > 3
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页/共{total}页" in page
        assert "项目编号JSGC-2025-0317-01" in page


def test_page_one_renders_to_an_image(pdf, tmp_path):
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    subprocess.run([_tool("pdftoppm"), "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True, capture_output=True)
    png = next(tmp_path.glob("page*.png")).read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


# --- the same record, the same bytes ---------------------------------------------------------


def test_the_same_record_gives_the_same_bytes(record, pdf):
    again = render_record_pdf(json.loads(json.dumps(record)))
    assert again == pdf
    assert pdf_digest(pdf) == hashlib.sha256(pdf).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", pdf_digest(pdf))
    assert b"/CreationDate (D:20000101000000+00'00')" in pdf  # ReportLab's invariant date, not now


def test_the_same_record_gives_the_same_bytes_in_another_process(pdf):
    # another process with another hash seed: nothing depends on set or dict order of the run
    script = ("import sys; from bidding.record_pdf import render_record_pdf, pdf_digest; "
              "from tests.bidding.record_sample import make_record; "
              "sys.stdout.write(pdf_digest(render_record_pdf(make_record(6))))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    env.pop(record_pdf.FONT_ENV, None)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    assert out.stdout == pdf_digest(pdf)


def test_a_changed_record_gives_another_digest(record, pdf):
    changed = json.loads(json.dumps(record))
    changed["bids"][0]["form"]["price"] = "7000000.01"
    assert pdf_digest(render_record_pdf(changed)) != pdf_digest(pdf)


# --- values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [
    ("8765432.1", "8,765,432.10元"),
    ("9000000", "9,000,000.00元"),
    ("0.5", "0.50元"),
    (1000, "1,000.00元"),
])
def test_money_is_formatted_from_decimal_strings(value, shown):
    assert format_money(value) == shown


@pytest.mark.parametrize("value", [8765432.1, "12,000", "abc", "NaN", True])
def test_money_that_is_not_a_decimal_string_is_refused(value):
    with pytest.raises(RecordError):
        format_money(value)


def test_money_with_more_than_fen_is_refused_never_rounded():
    # the record shows the tender's amount as it is; the platform keeps amounts to the fen
    with pytest.raises(RecordError, match="more than two decimals"):
        format_money("1234.567")


def test_times_are_shown_in_beijing_time_and_a_time_without_offset_is_refused():
    assert beijing_time("2025-03-18T01:30:00.999+00:00") == "2025-03-18 09:30:00"
    assert beijing_time("2025-03-18T01:30:00Z") == "2025-03-18 09:30:00"
    assert beijing_time("2025-03-18T09:30:00+08:00") == "2025-03-18 09:30:00"
    assert beijing_time(None) == "—"
    with pytest.raises(RecordError, match="no UTC offset"):
        beijing_time("2025-03-18T09:30:00")


@pytest.mark.parametrize(("value", "shown"), [
    ("合格", "合格"),
    ("张 工", "张 工"),
    (" 合格", '" 合格"'),  # a blank that would vanish is shown in quotes
    ("合格\n", '"合格\\n"'),
    ("", '""'),
    (180, "180"),
    ("180", "180"),
    (912345.6, "912345.6"),  # a float is shown as sealed (and flagged by the opening form check)
    (True, "true"),
    (None, "null"),
])
def test_a_sealed_value_is_shown_exactly(value, shown):
    assert record_pdf.sealed_text(value) == shown


def test_a_record_with_an_unknown_outcome_is_refused(record):
    bad = json.loads(json.dumps(record))
    bad["bids"][0]["outcome"] = "lost"
    with pytest.raises(RecordError, match="outcome"):
        render_record_pdf(bad)


def test_a_record_without_the_tender_code_is_refused(record):
    bad = json.loads(json.dumps(record))
    del bad["tender"]["project_code"]
    with pytest.raises(RecordError, match="tender.project_code"):
        render_record_pdf(bad)


def test_k_inputs_are_read_nested_as_published_or_flat(tmp_path):
    record = make_record(3)
    k = record["random_coefficient"]
    k.update(k.pop("range"))  # low, high, step at the top level
    text = flat("".join(pdf_text(render_record_pdf(record), tmp_path)))
    assert "0.95至0.99，步长0.005" in text
    del k["step"]
    with pytest.raises(RecordError, match="random_coefficient.range.step"):
        render_record_pdf(record)
