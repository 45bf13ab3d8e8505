"""The untranslated-text detector (tests/untranslated.py) is strict, and lets codes, names and
units be: what it flags and what it leaves, on the texts issue 16 found."""

import pytest

from tests.untranslated import chinese_runs, cjk_runs, english_words, python_reprs, visible_texts


@pytest.mark.parametrize("text, words", [
    ("签到 / sign in：完成 / done", ["sign", "in", "done"]),
    ("hall opened", ["hall", "opened"]),
    ("submitted 2026-12-05 15:26:21.701", ["submitted"]),
    ("hall.bid_status", ["hall", "bid", "status"]),
    ("上传 / uploading bid.pdf.age (1/2)", ["uploading"]),
    ("403 Forbidden", ["Forbidden"]),
    ("门限（k / n）", ["k", "n"]),
])
def test_english_on_a_chinese_page_is_found(text, words):
    assert english_words(text) == words


@pytest.mark.parametrize("text", [
    "项目编号 NN2026-GC-0047",
    "统一社会信用代码 91450100MA5K8REU3X",
    "SHA-256：5fa0836060073c73c71867ba3d0fb0853e0be8b95b1ee118006baf906339ab2e",
    "公钥 age1l2gntsevj5ps9s30md84cww2xk998m0aawqtvkdljttm5au5xdcq6hvzdp",
    "最大 12.5 MB，PDF 文件",
    "随机系数 K = 0.0315",
    "回执文件（receipt-….json）",
    "请将结果保存为 inputs.json",
    "联系邮箱 zhaobiao@nnggzy.example.cn，网址 https://ggzy.example.cn/notices/",
    "回执须含“receipt”和“signature”",
    "该脚本只使用 Python 标准库",
])
def test_codes_names_and_units_are_not_english(text):
    assert english_words(text) == []


def test_a_username_is_a_name():
    assert english_words("操作人 staff.nanning", names={"staff.nanning"}) == []
    assert english_words("操作人 staff.nanning") == ["staff", "nanning"]


def test_what_a_person_reads_is_read_and_code_is_left():
    html = """<html lang="zh-hans"><head><title>开标大厅</title><script>var x = "hello world";</script></head>
    <body><header><a class="brand"><span lang="zh-hans">开标</span> · Kaibiao</a>
    <form><button name="language" value="en" lang="en">English</button></form></header>
    <p>签到 / sign in</p><p><code>python manage.py verify_receipt receipt.json</code></p>
    <input placeholder="Action starts with…"><input type="submit" value="Filter">
    <dd data-connecting="connecting…" data-type="money" data-params='{"key": "price"}' data-closed-text="closed"></dd>
    </body></html>"""
    texts = visible_texts(html, "zh-hans")
    assert "开标大厅" in texts and "签到 / sign in" in texts
    assert "Action starts with…" in texts and "Filter" in texts
    assert "connecting…" in texts and "closed" in texts
    assert "English" not in texts and "money" not in texts and not any("hello" in t or "python" in t for t in texts)
    assert "· Kaibiao" in texts  # the brand's Latin is outside its lang span: the page must translate it


def test_a_python_repr_is_found_even_as_code():
    assert python_reprs("<td><code class='digest'>{'k': None}</code></td>", "zh-hans") == ["{'k': None}"]
    assert python_reprs("<td>{'deadline': '2026-12-04'}</td>", "zh-hans") == ["{'deadline': '2026-12-04'}"]
    assert python_reprs("<p>None yet.</p><code>age1abc</code>", "en") == []


def test_chinese_on_an_english_page_is_found_unless_it_is_data():
    data = cjk_runs("广西邕江建设工程有限公司") | cjk_runs("招标文件")
    assert chinese_runs("Read the record (唱标)", data) == ["唱标"]
    assert chinese_runs("Bidder: 广西邕江建设工程有限公司; Title: 招标文件", data) == []
    assert chinese_runs("(《招标投标法实施条例》第三十五条)", data) == []
    assert chinese_runs("in words: 肆佰伍拾玖万捌仟陆佰元整", data) == []
