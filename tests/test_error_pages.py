"""The error pages: in the site's layout, in the reader's language, saying why (where the
refusal was written for the reader) and where to go; with DEBUG off, as a deployment serves.

403 and 404 come through the site's handlers (frontend/errors.py), 400 and 500 through Django's
own views and the templates 400.html and 500.html, a refused form token through 403_csrf.html."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import csrf, defaults

from frontend import errors
from tests.trading.factories import bidder, published_lot, staff
from tests.untranslated import chinese_runs, cjk_runs, english_words, visible_texts
from trading.errors import PageNotFound, PageRefused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def chinese_page(html: str) -> str:
    """The page's visible text, after checking it is a Chinese page in the site's layout with no
    English on it."""
    assert '<html lang="zh-hans">' in html
    assert '<header class="top">' in html and "开标" in html  # the site's header, not Django's bare page
    texts = visible_texts(html, "zh-hans")
    assert [(t, english_words(t)) for t in texts if english_words(t)] == []
    return " ".join(texts)


def english_page(html: str, data=()) -> str:
    """As chinese_page, for English: Chinese only in `data` (names)."""
    assert '<html lang="en">' in html
    texts = visible_texts(html, "en")
    runs = frozenset().union(*(cjk_runs(d) for d in data))
    assert [(t, chinese_runs(t, runs)) for t in texts if chinese_runs(t, runs)] == []
    return " ".join(texts)


def test_the_tests_see_the_site_as_deployed(settings):
    assert settings.DEBUG is False


def test_a_page_refused_says_why_and_where_to_go_in_chinese():
    client = Client()
    user = bidder()
    client.force_login(user)
    page = client.get(reverse("trading:audit"))
    assert page.status_code == 403
    text = chinese_page(page.content.decode())
    assert "您无权访问此页面" in text
    assert "仅监督人员和交易中心工作人员可查阅审计日志。" in text  # the service's own reason
    assert f"您当前以 {user.display_name}（投标人）的身份登录" in text
    assert "首页" in text and "我的工作台" in text


def test_a_page_refused_reads_in_english_on_request():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    user = bidder()
    client.force_login(user)
    text = english_page(client.get(reverse("trading:audit")).content.decode(), [user.display_name, user.organization.name])
    assert "You may not open this page" in text
    assert "Only supervisors and trading-center staff read the audit trail." in text


def test_a_bidder_page_refused_to_staff_says_it_is_for_bidders():
    client = Client()
    lot = published_lot()
    client.force_login(staff(lot.project.center))
    page = client.get(reverse("bidding:bid_page", args=[lot.pk]))
    assert page.status_code == 403
    assert "投标页面仅供投标人使用。" in chinese_page(page.content.decode())


def test_an_address_that_does_not_exist_is_a_chinese_404_with_the_ways_on():
    page = Client().get("/no-such-page/")
    assert page.status_code == 404
    text = chinese_page(page.content.decode())
    assert "您访问的页面不存在" in text and "请先登录" in text
    html = page.content.decode()
    for url in (reverse("reporting:portal"), reverse("reporting:tenders"), reverse("reporting:notices"), reverse("login")):
        assert f'href="{url}' in html
    assert "no-such-page" not in text  # no list of the site's addresses, no echo


def test_a_missing_lot_says_so():
    page = Client().get(reverse("bidding:hall", args=[987654]))
    assert page.status_code == 404
    assert "标段不存在。" in chinese_page(page.content.decode())


def test_a_message_not_written_for_the_reader_is_not_shown():
    """Django's or a library's messages (a model's name, an internal detail) stay off the page."""
    request = RequestFactory().get("/x/")
    request.user = AnonymousUser()
    with translation.override("zh-hans"):
        not_found = errors.page_not_found(request, Http404("No Document matches the given query.")).content.decode()
        refused = errors.permission_denied(request, PermissionDenied("rules: trading.view_audit")).content.decode()
        shown = errors.permission_denied(request, PageRefused("仅监督人员可查阅。")).content.decode()
        shown_404 = errors.page_not_found(request, PageNotFound("标段不存在。")).content.decode()
    assert "Document" not in not_found and "您访问的页面不存在" in chinese_page(not_found)
    assert "rules" not in refused and "此页面仅供注册用户使用，请先登录。" in chinese_page(refused)
    assert "仅监督人员可查阅。" in chinese_page(shown) and "标段不存在。" in chinese_page(shown_404)


@pytest.mark.parametrize("view, status, words", [
    (defaults.server_error, 500, "平台出现错误"),
    (defaults.bad_request, 400, "无法处理该请求"),
])
def test_the_server_error_and_bad_request_pages_are_chinese_in_the_site_s_look(view, status, words):
    request = RequestFactory().get("/x/")
    with translation.override("zh-hans"):
        response = view(request) if status == 500 else view(request, Exception("bad"))
    assert response.status_code == status
    text = chinese_page(response.content.decode())
    assert words in text and "首页" in text


def test_a_form_sent_without_its_token_is_explained_in_chinese():
    page = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    assert page.status_code == 403
    assert "表单未被接受" in chinese_page(page.content.decode())


def test_the_csrf_page_is_the_site_s_own(settings):
    assert settings.CSRF_FAILURE_VIEW == "django.views.csrf.csrf_failure"
    assert csrf.CSRF_FAILURE_TEMPLATE_NAME == "403_csrf.html"
