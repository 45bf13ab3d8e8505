"""The report PDF as a reader sees it: rendered to text (pdftotext) it carries, in Chinese, the lot,
the committee and its leader, each bid's review outcomes and reasons, every expert's scores, the
computed points and their inputs, the ranking and the candidates, the flags and their outcome,
the below-cost votes, the questions and answers, the dissents; its font is embedded; a page
renders to an image."""

import re
import shutil
import subprocess

import pytest
from django.utils import timezone

from evaluation.report_data import build_report
from evaluation.report_pdf import render_report_pdf
from evaluation.room import report
from tests.evaluation.reported import (ANSWER, BELOW_COST_REASON, BIDDERS, DISSENT, FAIL_REASON, FLAG_REASON,
                                       NOT_BELOW_REASON, QUESTION, summarized_room)

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes, tmp_path, layout=False) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, capture_output=True, check=True, text=True).stdout


def flat(text: str) -> str:
    """The text without its line breaks and runs of blanks (a cell wraps where its width ends)."""
    return re.sub(r"\s+", "", text)


@pytest.fixture
def made():
    s = summarized_room(with_keys=False)
    report.record_dissent(actor=s.user(3), lot_id=s.lot_id, reason=DISSENT)
    report.make_report(actor=s.user(0), lot_id=s.lot_id)
    return s, bytes(s.fresh().report_pdf)


def test_the_report_says_in_chinese_what_the_issue_lists(made, tmp_path):
    s, pdf = made
    text = flat(text_of(pdf, tmp_path))
    lot = s.lot
    for words in ("评标报告", lot.project.code, lot.project.name, "综合评估法", "预算金额1,000,000.00元",
                  "最高投标限价950,000.00元"):
        assert flat(words) in text, words
    # the committee, its leader first, each by name
    assert "1专家" in text and "组长" in text
    for m in s.members:
        assert m.expert.user.full_name in text
    # the review: each check's counts, each fail's reason by its expert, the conclusion
    assert f"{s.members[1].expert.user.full_name}：{FAIL_REASON}" in text
    assert "未通过评审，作否决投标处理" in text and "通过评审，进入详细评审" in text
    # questions and answers
    assert QUESTION in text and ANSWER in text
    # every expert's scores, the item points, the price's inputs and points, the totals
    assert "技术：施工组织设计（0–30）2524262525" + "25.00" in text
    assert "商务：商务条款响应（0–30）2021101915" + "17.00" in text
    assert "评标基准价900,000.00元" in text and "最低价基准法" in text
    assert "910,000.00元39.56" in text
    assert "82.00" in text and "80.56" in text
    # the ranking and at most three candidates, amounts as people write them
    assert f"第1名：{BIDDERS[0]}，投标报价900,000.00元（大写：玖拾万元整）" in text
    assert f"第2名：{BIDDERS[1]}" in text and BIDDERS[2] not in text.split("推荐的中标候选人")[1]
    # the flag and its outcome; the below-cost votes and the decision
    assert "专家复核后维持原评分" in text and flat(FLAG_REASON) in text and "18.75" in text
    assert f"{BIDDERS[1]}：未被认定低于成本" in text
    assert BELOW_COST_REASON in text and NOT_BELOW_REASON in text
    # the dissent, the tie-break's commitment and seed, what is signed and how to check it
    assert DISSENT in text and s.members[3].expert.user.full_name + "（" in text
    assert s.room.tie_commitment in text
    assert flat("kaibiao/evaluation-report v1:<摘要>") in text and "manage.pyverify_report" in text


def test_times_are_beijing_times(made, tmp_path):
    s, pdf = made
    text = text_of(pdf, tmp_path)
    made_at = s.fresh().report_made_at.astimezone(timezone.get_fixed_timezone(8 * 60))
    assert made_at.strftime("%Y-%m-%d %H:%M:%S") in text
    assert "北京时间（UTC+8）" in text


def test_the_font_is_embedded_and_no_other_font_is_used(made, tmp_path):
    _s, pdf = made
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes yes " in row for row in rows), fonts
    assert "Helvetica" not in fonts and "STSong" not in fonts


def test_the_same_report_renders_to_the_same_bytes():
    s = summarized_room(with_keys=False)
    now = timezone.now()
    data = build_report(s.room, made_at=now)
    assert render_report_pdf(data) == render_report_pdf(build_report(s.room, made_at=now))


def test_a_page_renders_to_an_image(made, tmp_path):
    _s, pdf = made
    assert shutil.which("pdftoppm"), "poppler-utils is needed"
    (tmp_path / "report.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(tmp_path / "report.pdf"),
                    str(tmp_path / "page")], check=True)
    image = next(tmp_path.glob("page*.png")).read_bytes()
    assert image[:8] == b"\x89PNG\r\n\x1a\n" and len(image) > 5000  # a page with text, not a blank one


def test_a_result_without_some_figures_shows_them_as_absent(tmp_path):
    s = summarized_room(with_keys=False)
    data = build_report(s.room, made_at=timezone.now())
    data["result"] = {"ranking": data["result"]["ranking"]}  # a result that lacks every figure but the order
    text = flat(text_of(render_report_pdf(data), tmp_path))
    assert f"1{BIDDERS[0]}—" in text and "推荐的中标候选人" in text


def test_scores_dropped_as_highest_and_lowest_are_shown_in_brackets(tmp_path):
    s = summarized_room(with_keys=False)
    data = build_report(s.room, made_at=timezone.now())
    first = next(b for b in data["result"]["bids"] if b["id"] == s.bids[0].pk)
    # as for a committee of seven or more: the item's highest (26) and lowest (24) are not counted
    first["items"][0]["dropped"] = [s.members[2].pk, s.members[1].pk]
    text = flat(text_of(render_report_pdf(data), tmp_path))
    assert "技术：施工组织设计（0–30）25（24）（26）2525" + "25.00" in text


def test_a_flagged_score_its_member_changed_shows_both_scores(tmp_path):
    from datetime import timedelta
    from decimal import Decimal

    from evaluation.models import Score

    s = summarized_room(with_keys=False)
    flagged = Score.objects.get(member=s.members[2], bid=s.bids[0], item=s.items[1])
    assert build_report(s.room, made_at=timezone.now())["flags"][0]["outcome"] == "confirmed"
    flagged.points, flagged.at = Decimal("18"), flagged.flagged_at + timedelta(minutes=5)
    flagged.confirmed_reason, flagged.confirmed_at = "", None
    flagged.save()
    data = build_report(s.room, made_at=timezone.now())
    assert data["flags"][0] | {"name": None} == {
        "member": s.members[2].pk, "name": None, "bid": s.bids[0].pk, "item": s.items[1].pk, "points": "18.00",
        "flagged_points": "10", "others_mean": "18.75", "outcome": "changed", "reason": ""}
    row = flat(text_of(render_report_pdf(data), tmp_path, layout=True)).split("六、评分偏离复核")[1]
    assert "商务条款响应1018.75专家复核后修改评分为18.00分" in row, row[:200]
