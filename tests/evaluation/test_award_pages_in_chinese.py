"""The pages after the report read in Chinese only: the result page, the objections, the contract, the workspace's sections and the lot's links (fails until evaluation/zh-award.json is in django.po)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluation import objections
from tests.evaluation.awarding import awarded, publicized
from tests.trading.factories import supervisor
from tests.untranslated import english_words, visible_texts
from trading.models import User

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def chinese_only(user, urls):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    names = frozenset(User.objects.values_list("username", flat=True))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        english = [(text, words) for text in visible_texts(html, "zh-hans") if (words := english_words(text, names))]
        assert english == [], url


def test_the_publicity_and_its_objections_read_in_chinese():
    scene = publicized()
    objection = objections.raise_objection(actor=scene.bidders[1], lot_id=scene.lot.pk, text="请复核。")
    lot = scene.lot
    pages = [reverse("evaluation:result", args=[lot.pk]), reverse("evaluation:objections", args=[lot.pk]),
             reverse("trading:dashboard")]
    chinese_only(scene.bidders[1], pages)
    chinese_only(scene.staff, pages + [reverse("trading:project", args=[lot.project_id])])
    chinese_only(supervisor(lot.project.center), pages)
    objections.answer_objection(actor=scene.staff, objection_id=objection.pk, answer="已复核。",
                                now=objection.answer_due + timedelta(minutes=1))
    chinese_only(scene.bidders[1], [reverse("evaluation:objections", args=[lot.pk])])


def test_the_award_the_contract_and_its_warning_read_in_chinese():
    at = timezone.now() - 31 * DAY
    scene = awarded(publicized(now=at - 3 * DAY - timedelta(minutes=5)), at=at)
    lot = scene.lot
    chinese_only(None, [reverse("evaluation:result", args=[lot.pk]), reverse("reporting:tender", args=[lot.project_id])])
    chinese_only(scene.bidders[0], [reverse("evaluation:result", args=[lot.pk]), reverse("trading:dashboard")])
    chinese_only(scene.staff, [reverse("evaluation:result", args=[lot.pk]), reverse("evaluation:contract", args=[lot.pk]),
                               reverse("trading:dashboard"), reverse("trading:project", args=[lot.project_id]),
                               reverse("trading:audit") + f"?project={lot.project_id}"])
