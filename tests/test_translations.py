"""The interface speaks Chinese by default and English on request.

The catalog (frontend/locale/zh_Hans/LC_MESSAGES/django.po) is complete and its compiled .mo is
the one committed, so a fresh machine serves Chinese without gettext installed; the standard
terms of 公共资源交易 are used for roles, states and categories; and the pages people read carry
no English interface text unless English was chosen (language switch or Accept-Language).
"""

import gettext
import json
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tests.trading.factories import document, published_lot
from trading.choices import Category, LotState, NoticeKind, Role
from trading.models import Notice

LOCALE = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"
REPO = Path(settings.BASE_DIR)


# --- a tiny .po reader (stdlib only) -------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(token: str) -> str:
    token = token.strip()
    assert token.startswith('"') and token.endswith('"'), token
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], token[1:-1])


def read_po(path: Path) -> list[dict]:
    """Every entry of a .po file: msgctxt, msgid, msgid_plural, msgstr (or msgstr[n]), flags,
    obsolete. Enough of the format for what makemessages writes."""
    entries, entry, field = [], None, None

    def start():
        nonlocal entry
        if entry is None or "msgid" in entry:
            entry = {"flags": set(), "obsolete": False}
            entries.append(entry)

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            field = None
            continue
        if line.startswith("#~"):
            start()
            entry["obsolete"] = True
            continue
        if line.startswith("#,"):
            start()
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            start()
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line)
        if match:
            if match.group(1) in ("msgctxt", "msgid") and (entry is None or "msgid" in entry):
                start()
            field = match.group(1)
            entry[field] = _unquote(match.group(2))
        elif line.startswith('"') and field:
            entry[field] += _unquote(line)
        else:
            raise AssertionError(f"unreadable line in {path.name}: {line!r}")
    return [e for e in entries if "msgid" in e]


def translations(entry) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


@pytest.fixture(scope="module")
def catalog() -> list[dict]:
    assert PO.exists(), f"{PO} is missing: run makemessages -l zh_Hans"
    return read_po(PO)


@pytest.fixture(scope="module")
def messages(catalog) -> list[dict]:
    """The entries that are messages (not the header)."""
    return [e for e in catalog if e["msgid"] and not e["obsolete"]]


# --- (a) the catalog is complete -------------------------------------------------------------------


def test_catalog_has_messages(messages):
    assert len(messages) > 400


def test_every_message_is_translated(messages):
    untranslated = [e["msgid"] for e in messages if not all(s.strip() for s in translations(e))]
    assert untranslated == []


def test_no_fuzzy_entry_header_included(catalog):
    fuzzy = [e["msgid"] or "(header)" for e in catalog if "fuzzy" in e["flags"]]
    assert fuzzy == []


def test_no_obsolete_entries(catalog):
    assert [e["msgid"] for e in catalog if e["obsolete"]] == []


def test_header_is_utf8_with_one_plural_form(catalog):
    header = next(e for e in catalog if e["msgid"] == "")["msgstr"]
    assert "charset=UTF-8" in header
    assert "Plural-Forms: nplurals=1; plural=0;" in header
    assert "Language: zh_Hans" in header


_NAMED = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")
_POSITIONAL = re.compile(r"%(?!\()[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
_TEMPLATE_VAR = re.compile(r"{{.*?}}|{%.*?%}")


@pytest.mark.parametrize("kind", ["named", "positional"])
def test_placeholders_are_kept_exactly(messages, kind):
    """A %(name)s or %(n)d dropped, renamed or retyped breaks the message at run time."""
    wrong = []
    for e in messages:
        if "python-format" not in e["flags"] and "%" not in e["msgid"]:
            continue
        for text in translations(e):
            if kind == "named":
                source, target = set(_NAMED.findall(e["msgid"])), set(_NAMED.findall(text))
                source_full = set(re.findall(r"%\(\w+\)[sdifr]", e["msgid"]))
                target_full = set(re.findall(r"%\(\w+\)[sdifr]", text))
                if source != target or source_full != target_full:
                    wrong.append((e["msgid"], text))
            elif sorted(_POSITIONAL.findall(e["msgid"])) != sorted(_POSITIONAL.findall(text)):
                wrong.append((e["msgid"], text))
    assert wrong == []


def test_no_template_syntax_leaks_into_translations(messages):
    assert [e["msgid"] for e in messages if any(_TEMPLATE_VAR.search(s) for s in translations(e))] == []


def test_law_citations_are_kept(messages):
    """《…》 citations inside a message are quoted as they are, article numbers included."""
    changed = []
    for e in messages:
        for citation in re.findall(r"《[^》]+》[^，,；;）)。 ]*", e["msgid"]):
            if any(citation not in s for s in translations(e)):
                changed.append((e["msgid"], citation))
    assert changed == []


# --- the standard terms ------------------------------------------------------------------------------


ROLE_TERMS = {
    Role.STAFF: "交易中心工作人员", Role.TENDEREE: "招标人", Role.AGENT: "招标代理机构", Role.BIDDER: "投标人",
    Role.EXPERT: "评标专家", Role.SUPERVISOR: "监督人员", Role.CUSTODIAN: "密钥保管人",
}
STATE_TERMS = {
    LotState.DRAFT: "草稿", LotState.PUBLISHED: "投标中", LotState.CLOSED: "投标截止", LotState.OPENING: "开标中",
    LotState.EVALUATION: "评标中", LotState.PUBLICITY: "中标候选人公示", LotState.AWARDED: "已定标",
    LotState.CONTRACTED: "已签订合同", LotState.ARCHIVED: "已归档", LotState.FAILED: "流标",
    LotState.CANCELLED: "已终止",
}
CATEGORY_TERMS = {
    Category.WORKS: "工程建设", Category.GOODS: "政府采购（货物）", Category.SERVICES: "政府采购（服务）",
    Category.LAND: "土地使用权和矿业权出让", Category.PROPERTY: "国有产权交易",
}
WORDS = {
    "Tenderee": "招标人", "Agent": "招标代理机构", "Bidder": "投标人", "Lot": "标段", "Ceiling price": "最高投标限价",
    "Bid security": "投标保证金", "Budget": "预算金额", "Bid deadline": "投标截止时间", "Tender documents": "招标文件",
    "Key custodian": "密钥保管人", "Opening form": "开标一览表", "Trading center": "交易中心", "Award price": "中标价",
    "Evaluation method": "评标办法", "Award": "定标", "Start the opening": "开始开标", "Start evaluation": "开始评标",
    "Publish the candidates": "公示中标候选人", "Log in": "登录", "Notices": "公告",
}


def test_role_state_and_category_use_the_standard_terms():
    with translation.override("zh-hans"):
        assert {role: str(role.label) for role in ROLE_TERMS} == ROLE_TERMS
        assert {state: str(state.label) for state in STATE_TERMS} == STATE_TERMS
        assert {cat: str(cat.label) for cat in CATEGORY_TERMS} == CATEGORY_TERMS
        assert str(NoticeKind.TENDER.label) == "招标公告"


def test_common_words_use_the_standard_terms():
    with translation.override("zh-hans"):
        assert {word: _(word) for word in WORDS} == WORDS
        assert pgettext("role", "Supervisor") == "监督人员"
        assert pgettext("evaluation method", "Lowest evaluated price") == "经评审的最低投标价法"


def test_every_role_state_and_category_is_translated():
    """Choices added later must come with their Chinese too."""
    with translation.override("zh-hans"):
        for choices in (Role, LotState, Category, NoticeKind):
            for member in choices:
                label = str(member.label)
                assert re.search(r"[\u4e00-\u9fff]", label), f"{choices.__name__}.{member.name}: {label!r}"


# --- (b) the compiled catalog is the one that was translated ------------------------------------


def test_mo_matches_the_po(catalog):
    """The .mo read back by Python's own gettext holds exactly the .po's messages: it was
    compiled after the last change (run compilemessages after editing the .po)."""
    assert MO.exists(), f"{MO} is missing: run compilemessages"
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    expected = {}
    for e in catalog:
        if e["obsolete"] or "fuzzy" in e["flags"]:
            continue
        key = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            for field, value in e.items():
                if field.startswith("msgstr["):
                    expected[(key, int(field[7:-1]))] = value
        else:
            expected[key] = e["msgstr"]
    header = expected.pop("", None)
    compiled_header = compiled.pop("", None)
    assert header is not None and compiled_header is not None
    missing = sorted(k if isinstance(k, str) else k[0] for k in expected.keys() - compiled.keys())
    extra = sorted(k if isinstance(k, str) else k[0] for k in compiled.keys() - expected.keys())
    assert (missing, extra) == ([], [])
    assert {k: v for k, v in expected.items() if compiled[k] != v} == {}


def test_django_serves_the_catalog():
    with translation.override("zh-hans"):
        assert _("Kaibiao public-resource trading platform") == "开标公共资源交易平台"
        # Django 6.1's own new message, which Django's zh_Hans catalog lacks (frontend/django_msgids.py)
        assert _("- Select an option -") == "- 请选择 -"
    with translation.override("en"):
        assert _("Kaibiao public-resource trading platform") == "Kaibiao public-resource trading platform"


def test_the_compiled_catalog_is_not_ignored_by_git():
    """A fresh checkout must carry the .mo: nobody should need gettext to serve Chinese."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    for path in (PO, MO):
        relative = str(path.relative_to(REPO))
        answer = subprocess.run(["git", "check-ignore", "--no-index", "-q", relative], cwd=REPO,
                                capture_output=True, check=False)
        assert answer.returncode == 1, f"{relative} is ignored by .gitignore"


def test_default_language_is_simplified_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]


# --- (c) the pages --------------------------------------------------------------------------------

# English interface words that must not be left on a Chinese page, and their Chinese.
ENGLISH_UI = ["Log in", "Log out", "Notices", "Tenders", "My work", "Bid deadline", "Publish", "Beijing time",
              "Trading center", "Category", "Bidder registration", "Ceiling price", "Bid security", "Lots",
              "Audit trail", "Register a project", "Every deadline", "None yet", "- Select an option -"]
TWO_ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\b")


def visible(page) -> str:
    """What a reader sees of a page, and the placeholders and titles they read too; command
    lines and digests (<pre>, <code>) are not interface text."""
    html = page.content.decode()
    attributes = " ".join(re.findall(r'(?:placeholder|title|aria-label|data-closed-text|data-days-text)="([^"]*)"', html))
    html = re.sub(r"<(script|style|pre|code)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", f"{text} {attributes}")


class Tender:
    """A published tender with a notice and a document, its center's clerk, one bidder."""

    def __init__(self):
        from tests.trading.factories import bidder

        self.lot = published_lot(deadline_in=timedelta(days=25))
        self.project = self.lot.project
        self.clerk = self.project.created_by
        document(self.project, title="招标文件正文")
        Notice.objects.create(project=self.project, kind=NoticeKind.TENDER, title="测试项目招标",
                              body="正文", published_at=timezone.now(), published_by=self.clerk)
        self.bidder = bidder()


@pytest.fixture
def tender(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return Tender()


def public_pages(tender):
    return {
        "portal": reverse("reporting:portal"),
        "notices": reverse("reporting:notices"),
        "tenders": reverse("reporting:tenders"),
        "tender": reverse("reporting:tender", args=[tender.project.pk]),
        "notice": reverse("reporting:notice", args=[tender.project.notices.get().pk]),
        "login": reverse("login"),
        "register": reverse("trading:register"),
    }


def staff_pages(tender):
    return {
        "dashboard": reverse("trading:dashboard"),
        "project": reverse("trading:project", args=[tender.project.pk]),
        "project_create": reverse("trading:project_create"),
        "audit": reverse("trading:audit"),
    }


def pages_as_seen(tender, client_for_public: Client, client_for_staff: Client, client_for_bidder: Client):
    seen = {}
    for name, url in public_pages(tender).items():
        seen[name] = client_for_public.get(url)
    for name, url in staff_pages(tender).items():
        seen[name] = client_for_staff.get(url)
    seen["bid_page"] = client_for_bidder.get(reverse("bidding:bid_page", args=[tender.lot.pk]))
    for name, page in seen.items():
        assert page.status_code == 200, (name, page.status_code)
    return seen


def clients(tender, **meta):
    public, clerk, bidder = Client(**meta), Client(**meta), Client(**meta)
    clerk.force_login(tender.clerk)
    bidder.force_login(tender.bidder)
    return public, clerk, bidder


def test_pages_are_chinese_by_default(tender):
    seen = pages_as_seen(tender, *clients(tender))
    for name, page in seen.items():
        html, text = page.content.decode(), visible(page)
        assert '<html lang="zh-hans">' in html, name
        assert "服务器时间" in text and "所有截止时间和记录均以服务器时间（北京时间）为准。" in text, name
        left = [word for word in ENGLISH_UI if word in text]
        assert left == [], (name, left)
        assert TWO_ENGLISH_WORDS.findall(text) == [], name
    assert "登录" in visible(seen["portal"]) and "投标人注册" in visible(seen["portal"])
    assert "公告" in visible(seen["notices"]) and "招标公告" in visible(seen["notices"])
    assert "招标项目" in visible(seen["tenders"]) and "投标截止时间" in visible(seen["tenders"])
    assert "最高投标限价" in visible(seen["tender"]) and "投标中" in visible(seen["tender"])
    assert "我的工作台" in visible(seen["dashboard"]) and "退出登录" in visible(seen["dashboard"])
    assert "交易中心工作人员" in visible(seen["project"]) and "审计日志" in visible(seen["project"])
    assert "- 请选择 -" in visible(seen["project_create"])
    assert "统一社会信用代码" in visible(seen["register"])
    assert "我的投标" in visible(seen["bid_page"]) and "加密并上传" in visible(seen["bid_page"])


def test_no_catalog_message_is_left_in_english_on_a_chinese_page(tender, messages):
    """Every catalog message of two or more words that appears on a page is shown translated."""
    english = {e["msgid"] for e in messages
               if " " in e["msgid"].strip() and "%" not in e["msgid"] and e["msgstr"] != e["msgid"]}
    seen = pages_as_seen(tender, *clients(tender))
    for name, page in seen.items():
        text = visible(page)
        assert sorted(m for m in english if m in text) == [], name


def test_english_on_request_by_accept_language(tender):
    seen = pages_as_seen(tender, *clients(tender, HTTP_ACCEPT_LANGUAGE="en"))
    portal = visible(seen["portal"])
    assert '<html lang="en">' in seen["portal"].content.decode()
    for word in ["Log in", "Notices", "Tenders", "Bid deadline", "Beijing time", "Open for bidding"]:
        assert word in portal
    for chinese in ["登录", "北京时间", "正在投标", "投标截止时间"]:
        assert chinese not in portal
    assert "My work" in visible(seen["dashboard"]) and "我的工作台" not in visible(seen["dashboard"])
    project = visible(seen["project"])
    assert "Clarification or amendment" in project and "Bidding open" in project
    assert "Trading-center staff" in project and "交易中心工作人员" not in project
    assert "Ceiling price" in visible(seen["tender"]) and "Bidding open" in visible(seen["tender"])
    assert "My bid" in visible(seen["bid_page"])


def test_english_chosen_with_the_language_switch_stays(tender):
    client = Client()
    assert "登录" in visible(client.get(reverse("reporting:portal")))
    answer = client.post(reverse("set_language"), {"language": "en", "next": reverse("reporting:notices")})
    assert answer.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    for url in (reverse("reporting:portal"), reverse("reporting:notices"), reverse("login")):
        text = visible(client.get(url))
        assert "Log in" in text and "Notices" in text and "登录" not in text
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "登录" in visible(client.get(reverse("reporting:portal")))


# --- messages from the services ----------------------------------------------------------------------

BAD_CHECK_CHARACTER = "91350100M000100Y44"


def registration(**overrides):
    data = {
        "organization_name": "南宁市示例建设工程有限公司", "uscc": "91440300MA5H8REU3K", "full_name": "李明",
        "contact_phone": "0771-5550100", "address": "南宁市青秀区民族大道100号", "username": "liming-bidder",
        "password": "Qingxiu-2026-bid!", "password_again": "Qingxiu-2026-bid!",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_a_bad_credit_code_is_refused_in_chinese_by_default(client):
    page = client.post(reverse("trading:register"), registration(uscc=BAD_CHECK_CHARACTER))
    assert page.status_code == 200
    text = visible(page)
    assert "最后一位（校验码）有误，请检查代码是否输入错误。" in text
    assert "check character" not in text


@pytest.mark.django_db
def test_a_bad_credit_code_is_refused_in_english_on_request(client):
    page = client.post(reverse("trading:register"), registration(uscc=BAD_CHECK_CHARACTER),
                       HTTP_ACCEPT_LANGUAGE="en")
    text = visible(page)
    assert "The last character (the check character) is wrong: please check the code for a typo." in text
    assert "校验码" not in text


@pytest.mark.django_db
def test_a_credit_code_of_the_wrong_length_names_its_length_in_chinese(client):
    text = visible(client.post(reverse("trading:register"), registration(uscc="9135010")))
    assert "统一社会信用代码应为 18 位，当前输入为 7 位。" in text


def test_a_refused_transition_is_explained_in_chinese_by_default(tender):
    client = Client()
    client.force_login(tender.clerk)
    page = client.post(reverse("trading:lot_transition", args=[tender.lot.pk]), {"name": "cancel", "reason": ""},
                       follow=True)
    assert "请填写“终止”的理由，理由将予以公开并记录在案。" in visible(page)


def test_a_refused_transition_is_explained_in_english_on_request(tender):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(tender.clerk)
    page = client.post(reverse("trading:lot_transition", args=[tender.lot.pk]), {"name": "cancel", "reason": ""},
                       follow=True)
    assert "Give the reason for “Cancel”; it is published and kept in the record." in visible(page)


def test_a_refusal_made_in_one_language_reads_in_the_other():
    """A message without placeholders stays lazy: it is read in the language of its reader."""
    from trading import uscc

    with pytest.raises(uscc.USCCError) as caught:
        uscc.check(BAD_CHECK_CHARACTER)
    with translation.override("en"):
        assert str(caught.value.message).startswith("The last character (the check character) is wrong")
    with translation.override("zh-hans"):
        assert str(caught.value.message) == "最后一位（校验码）有误，请检查代码是否输入错误。"


# --- the browser's words (djangojs) ------------------------------------------------------------------

JS_PO = LOCALE / "djangojs.po"


def test_every_browser_message_is_translated_and_served():
    """frontend/js/src/i18n.js reads Django's JavaScript catalog: each gettext("…") of the
    bundles has its Chinese in djangojs.po, and /jsi18n/ serves it to a Chinese page."""
    entries = [e for e in read_po(JS_PO) if e["msgid"] and not e["obsolete"]]
    assert entries, "djangojs.po holds no message: run make messages"
    assert [e["msgid"] for e in entries if not all(s.strip() for s in translations(e))] == []
    assert [e["msgid"] for e in read_po(JS_PO) if "fuzzy" in e["flags"]] == []
    served = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/jsi18n/").content.decode()
    assert [e["msgid"] for e in entries if json.dumps(translations(e)[0])[1:-1] not in served] == []
