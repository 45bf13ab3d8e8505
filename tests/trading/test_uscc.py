"""The unified social credit code (GB 32100-2015), with its embedded organization code
(GB 11714): what is accepted, what is refused and why, and how a bidder sees it on the page."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import override
from hypothesis import example, given
from hypothesis import strategies as st

from tests.trading.factories import make_uscc
from trading import uscc
from trading.forms import BidderRegistrationForm
from trading.models import AuditEvent, Organization, User

# Real codes, from public registrations: digits only, and the letter-bearing "MA…" codes that
# most enterprises registered since 2015 carry (their organization code uses letters J to Y).
REAL_CODES = [
    "91350100M000100Y43",
    "91110000802100433B",
    "91440300MA5H8REU3K",
    "91440300MA5DLQQW0F",
    "91440300MA5G7P4L4X",
]


def _refusal(code: str) -> uscc.USCCError:
    with pytest.raises(uscc.USCCError) as info:
        uscc.check(code)
    return info.value


# --- accepted --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_accepted(code):
    assert uscc.check(code) == code
    uscc.validate_uscc(code)  # raises nothing


@pytest.mark.parametrize("n", [0, 1, 7, 12345678, 99999999])
@pytest.mark.parametrize("region", ["450100", "110000", "350102"])
def test_generated_codes_are_accepted(n, region):
    code = make_uscc(n, region=region)
    assert len(code) == 18
    assert uscc.check(code) == code


def test_lowercase_and_surrounding_spaces_are_normalized():
    assert uscc.check("  91350100m000100y43\n") == "91350100M000100Y43"
    assert uscc.check("91440300ma5h8reu3k") == "91440300MA5H8REU3K"


def test_organization_code_check_uses_gb_11714_values():
    """GB 11714 values letters A=10 … Z=35 over the whole alphabet (I, O, S, V count), unlike
    the 31-character alphabet of the final check."""
    assert uscc.org_code_check_character("MA5H8REU") == "3"
    assert uscc.org_code_check_character("MA5DLQQW") == "0"
    assert uscc.org_code_check_character("80210043") == "3"
    assert uscc.org_code_check_character("00000000") == "0"


# --- refused, each fault with its own code and message ---------------------------------------


@pytest.mark.parametrize(
    ("code", "fault", "words"),
    [
        ("9135010", "length", "has 7"),
        ("", "length", "has 0"),
        ("91350100M000100Y431", "length", "has 19"),
        ("91350100M000100I43", "character", "“I”"),
        ("91350100M000100O43", "character", "“O”"),
        ("91350100M000100S43", "character", "“S”"),
        ("91350100M000100V43", "character", "“V”"),
        ("91350100M000100Z43", "character", "“Z”"),
        ("9135-100M000100Y43", "character", "“-”"),
        ("91350100M000100Y4.", "character", "“.”"),
        ("91350100 M00100Y43", "character", "“ ”"),
        ("B1350100M000100Y43", "authority", "“B”"),
        ("01350100M000100Y43", "authority", "“0”"),
        ("94350100M000100Y43", "type", "“4”"),
        ("Y2350100M000100Y43", "type", "“2”"),
        ("9135A100M000100Y43", "region", "six digits"),
        ("91350100M000100Y53", "org_code", "organization code"),
        ("91110000802100439B", "org_code", "organization code"),
        ("91350100M000100Y44", "check", "check character"),
        ("91110000802100433C", "check", "check character"),
    ],
)
def test_each_fault_is_refused_with_its_own_code_and_message(code, fault, words):
    with override("en"):
        err = _refusal(code)
        assert err.code == fault
        assert words in str(err.message)
        with pytest.raises(ValidationError) as info:
            uscc.validate_uscc(code)
    assert info.value.code == f"uscc_{fault}"


def test_every_fault_kind_has_a_distinct_message():
    samples = {
        "length": "9135010",
        "character": "91350100M000100I43",
        "authority": "B1350100M000100Y43",
        "type": "94350100M000100Y43",
        "region": "9135A100M000100Y43",
        "org_code": "91350100M000100Y53",
        "check": "91350100M000100Y44",
    }
    with override("en"):
        messages = {kind: str(_refusal(code).message) for kind, code in samples.items()}
    assert {kind: _refusal(code).code for kind, code in samples.items()} == {k: k for k in samples}
    assert len(set(messages.values())) == len(samples)


# --- property: one changed character is always caught ----------------------------------------


@st.composite
def valid_codes(draw):
    """Any valid code: every authority with each type it registers, any region, and an
    organization code drawn from the whole code alphabet (letters included)."""
    authority = draw(st.sampled_from(sorted(uscc.AUTHORITY_TYPES)))
    kind = draw(st.sampled_from(uscc.AUTHORITY_TYPES[authority]))
    region = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    body = draw(st.text(alphabet=uscc.ALPHABET, min_size=8, max_size=8))
    first17 = authority + kind + region + body + uscc.org_code_check_character(body)
    return first17 + uscc.check_character(first17)


@given(code=valid_codes(), position=st.integers(0, 17), replacement=st.sampled_from(uscc.ALPHABET))
@example(code="91350100M000100Y43", position=8, replacement="A")
@example(code="91440300MA5H8REU3K", position=17, replacement="J")
@example(code="91110000802100433B", position=8, replacement="J")  # 8→J (19) leaves the org check intact
def test_changing_any_single_character_is_refused(code, position, replacement):
    assert uscc.check(code) == code
    if code[position] == replacement:
        replacement = uscc.ALPHABET[(uscc.ALPHABET.index(replacement) + 1) % len(uscc.ALPHABET)]
    changed = code[:position] + replacement + code[position + 1:]
    with pytest.raises(uscc.USCCError):
        uscc.check(changed)
    with pytest.raises(uscc.USCCError):
        uscc.check(changed.lower())


# --- the bidder registration form and page ---------------------------------------------------


def _registration(**overrides):
    data = {
        "organization_name": "南宁市示例建设工程有限公司",
        "uscc": "91440300MA5H8REU3K",
        "full_name": "李明",
        "contact_phone": "0771-5550100",
        "address": "南宁市青秀区民族大道100号",
        "username": "liming-bidder",
        "password": "Qingxiu-2026-bid!",
        "password_again": "Qingxiu-2026-bid!",
    }
    data.update(overrides)
    return data


def test_form_normalizes_a_lowercase_code():
    form = BidderRegistrationForm(_registration(uscc="91350100m000100y43"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["uscc"] == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "fault"),
    [("91350100M000100Y44", "uscc_check"), ("91350100M000100I43", "uscc_character"),
     ("9135010", "uscc_length"), ("94350100M000100Y43", "uscc_type")],
)
def test_form_refuses_a_bad_code_on_its_field(code, fault):
    form = BidderRegistrationForm(_registration(uscc=code))
    assert not form.is_valid()
    assert form.has_error("uscc", fault)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("91350100M000100Y44", "The last character (the check character) is wrong"),
        ("91350100M000100O43", "cannot appear in a unified social credit code"),
        ("9135A100M000100Y43", "must be the six digits of an administrative division code"),
        ("91350100M000100Y53", "has a wrong check character"),
    ],
)
def test_registration_page_shows_the_error_and_creates_nothing(client, code, words):
    page = client.post(reverse("trading:register"), _registration(uscc=code), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert words in html
    assert 'role="alert"' in html
    assert Organization.objects.count() == 0
    assert User.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_registration_page_accepts_a_real_letter_bearing_code(client):
    page = client.post(reverse("trading:register"), _registration(uscc="91440300ma5h8reu3k"))
    assert page.status_code == 302
    org = Organization.objects.get()
    assert org.uscc == "91440300MA5H8REU3K"
    assert User.objects.get(username="liming-bidder").organization == org


@pytest.mark.django_db
def test_a_code_registered_twice_is_refused_on_the_page(client):
    client.post(reverse("trading:register"), _registration())
    client.logout()
    page = client.post(reverse("trading:register"), _registration(username="another-user"),
                       HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "already registered" in page.content.decode()
    assert Organization.objects.count() == 1
    assert not User.objects.filter(username="another-user").exists()
