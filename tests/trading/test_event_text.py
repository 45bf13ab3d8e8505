"""Every event has a human name and a readable summary (trading.event_text): the audit trail,
the opening record's process log and the hall's log read them from one registry.

The actions the code can record are found in the code itself (every audit.record(...) call and
every hall event appended), so that a new event without a name fails here."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from bidding.hall.events import HALL_EVENTS
from evaluation.review_steps import STEPS as REVIEW_STEPS
from evaluation.room.events import ROOM_EVENTS
from tests.untranslated import english_words
from trading import event_text
from trading.choices import NoticeKind
from trading.lifecycle import TRANSITIONS

ROOT = Path(settings.BASE_DIR)
FLOORS = ["trading", "bidding", "evaluation", "rooms", "reporting", "frontend", "demo"]
# An action written as an f-string names a family; each family's members, from where the code
# takes them. A new family fails the test until it is listed here and named.
FAMILIES = {
    "notice.": [kind.value for kind in NoticeKind],  # trading.services.publish_notice
    "lot.": list(TRANSITIONS),  # trading.services._take
    "hall.": [kind.name for kind in HALL_EVENTS],  # bidding.hall.core.append
    "expert.": [step.event for step in REVIEW_STEPS.values()],  # evaluation.pool_services.review_expert
    "evaluation.room.": [kind.name for kind in ROOM_EVENTS],  # evaluation.room.core.append
}


def sources():
    for floor in FLOORS:
        for path in (ROOT / floor).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path, path.read_text()


def recorded_actions() -> tuple[set, set]:
    """(actions written out, f-string families) of every audit.record(...) call in the code."""
    literal, families = set(), set()
    for path, text in sources():
        for call in re.finditer(r"audit\.record\(", text):
            window = text[call.end():call.end() + 400]
            found = re.search(r"""\baction=(f?)["']([^"']+)["']""", window)
            assert found, f"{path.relative_to(ROOT)}: an audit.record(...) whose action is not written in the call"
            if found.group(1):
                families.add(found.group(2).split("{")[0])
            else:
                literal.add(found.group(2))
    return literal, families


def appended_hall_kinds() -> set:
    kinds = set()
    for path, text in sources():
        if "bidding" not in path.relative_to(ROOT).parts[:1]:
            continue  # the evaluation room appends its own kinds (evaluation/room/events.py)
        # the hall's own append(hall, "kind", …), not a list's .append(…)
        kinds |= set(re.findall(r"""(?<![.\w])append\(\s*[\w().]+,\s*["'](\w+)["']""", text))
    return kinds


def test_the_code_records_events_of_every_kind_this_test_knows():
    literal, families = recorded_actions()
    assert len(literal) > 20
    assert families == set(FAMILIES), "an f-string family of actions this test does not know: name its members"


def test_every_action_the_code_can_record_has_a_name():
    literal, families = recorded_actions()
    possible = literal | {prefix + member for prefix in families for member in FAMILIES[prefix]}
    assert sorted(possible - event_text.named_actions()) == []


def test_every_hall_event_appended_is_declared_and_named():
    kinds = appended_hall_kinds()
    assert {"hall_opened", "row_read", "bid_status", "opening_ended"} <= kinds
    assert sorted(kinds - {kind.name for kind in HALL_EVENTS}) == []
    assert sorted(f"hall.{kind}" for kind in kinds if f"hall.{kind}" not in event_text.named_actions()) == []


def test_every_name_reads_in_chinese_and_in_english():
    with translation.override("zh-hans"):
        chinese = {action: event_text.action_name(action) for action in event_text.named_actions()}
    assert [a for a, name in chinese.items() if english_words(name)] == []
    assert chinese["hall.bid_status"] == "投标文件状态" and chinese["hall.row_read"] == "唱标"
    assert chinese["lot.close"] == "投标截止" and chinese["notice.clarification"] == "澄清公告"
    with translation.override("en"):
        assert event_text.action_name("hall.hall_opened") == "Hall opened"
        assert event_text.action_name("bid.completed") == "Bid submitted"


def test_an_unknown_action_reads_as_its_code():
    assert event_text.action_name("something.new") == "something.new"


# --- summaries ----------------------------------------------------------------------------------


def summary(action, data, language="zh-hans"):
    with translation.override(language):
        return event_text.summary(action, data)


def test_a_summary_writes_amounts_times_and_states_as_people_read_them():
    text = summary("lot.award", {"award_price": "1876500", "from": "publicity", "to": "awarded"})
    assert text == "原状态：中标候选人公示；新状态：已定标；中标价：¥1,876,500.00"


def test_a_summary_writes_times_in_beijing_time():
    assert summary("hall.confirmation_open", {"deadline": "2026-10-11T02:13:00+00:00", "seq": 20}) == \
        "截止时间：2026-10-11 10:13:00"


def test_a_summary_never_prints_a_python_repr():
    text = summary("bidder_key.registered", {"recipient": "age1l2gntsevj5ps9s30md84cww2xk998m0aawqtvkdljttm5au5xdcq6hvzdp",
                                             "replaced": None})
    assert "None" not in text and "{" not in text and "'" not in text
    assert text == "公钥：age1l2gntsevj5ps…；替换原公钥：—"
    k = summary("hall.hall_opened", {"deadline": "2026-10-11T01:30:00+00:00", "k": None, "seq": 1})
    assert k == "截止时间：2026-10-11 09:30:00；随机系数 K：—"


def test_the_hall_s_k_is_the_random_coefficient_and_elsewhere_k_is_the_shares_needed():
    drawn = summary("hall.k_drawn", {"k": "0.0315", "inputs": {"commitment": "ab" * 32, "contributions": [{}, {}, {}]}})
    assert "随机系数 K：0.0315" in drawn and "已签到投标人的随机数 3 个" in drawn
    assert summary("ceremony.invited", {"k": 3, "n": 5, "custodians": ["custodian.01", "custodian.02"]}) == \
        "密钥保管人：custodian.01、custodian.02；开标所需密钥分片数：3；密钥保管人：5"


def test_a_summary_in_english_has_no_chinese_of_its_own():
    text = summary("document.added", {"title": "招标文件", "size": 57332, "sha256": "5f" * 32}, "en")
    assert text == "Title: 招标文件; Size: 56.0\xa0KB; SHA-256: 5f5f5f5f5f5f5f5f…"  # Django's size, with its no-break space


def test_a_key_without_a_label_is_shown_as_it_is_and_reported():
    assert summary("bid.started", {"colour": "red"}) == "colour：red"
    assert event_text.unlabelled_keys("bid.started", {"colour": "red", "version": 1}) == ["colour"]


@pytest.mark.parametrize("role, shown", [("staff", "交易中心工作人员"), ("bidder", "投标人"), ("system", "平台")])
def test_roles_read_by_their_names(role, shown):
    with translation.override("zh-hans"):
        assert event_text.role_name(role) == shown
        assert event_text.actor_text("system", "system") == "平台"
        assert event_text.actor_text("staff.nanning", "staff") == "staff.nanning"
