"""The evaluation room's page (evaluation:room) and the links that lead to it: the expert's
invitations and workspace, the staff's and supervisors' workspace, the draw page, the project page."""

import json

import pytest
from django.urls import reverse

from evaluation.choices import RoomState
from evaluation.models import EvaluationRoom
from tests.evaluation.factories import ExpertFactory
from tests.evaluation.room_helpers import formed
from tests.evaluation.test_invitations_page import client_for
from tests.trading.factories import bidder, staff, supervisor

pytestmark = pytest.mark.django_db


def page(committee) -> str:
    return reverse("evaluation:room", args=[committee.lot.pk])


@pytest.mark.parametrize("who, role", [("member", "member"), ("staff", "staff"), ("supervisor", "supervisor")])
def test_the_committee_the_staff_and_the_supervisors_get_the_room_s_page(who, role):
    committee = formed(n=5)
    user = {"member": committee.user(0), "staff": committee.staff, "supervisor": committee.supervisor}[who]
    response = client_for(user).get(page(committee))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-ws-path="/ws/evaluation/{committee.lot.pk}/"' in html and f'data-role="{role}"' in html
    assert "frontend/dist/room-page.js" in html
    for part in ("gathering", "review", "scoring", "report"):
        assert f'id="panel-{part}"' in html
    labels = json.loads(response.context["labels_json"])
    assert set(labels["kinds"]) >= {"signed_in", "recused", "leader_elected", "paused"}
    assert ('id="supervisor-note"' in html) == (role == "supervisor")


@pytest.mark.parametrize("who", ["bidder", "expert not on the committee", "another center's staff",
                                 "another center's supervisor"])
def test_anyone_else_is_told_the_room_does_not_exist(who):
    committee = formed(n=5)
    user = {"bidder": lambda: bidder(committee.bids[0].organization),
            "expert not on the committee": lambda: ExpertFactory().user, "another center's staff": staff,
            "another center's supervisor": supervisor}[who]()
    response = client_for(user).get(page(committee))
    assert response.status_code == 404
    for member in committee.members:  # nobody outside learns who sits on the committee
        assert member.expert.user.display_name not in response.content.decode()


def test_the_public_is_asked_to_log_in():
    committee = formed(n=5)
    from django.test import Client

    response = Client().get(page(committee))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_expert_finds_the_room_on_the_invitations_page_and_in_the_workspace():
    committee = formed(n=5)
    client = client_for(committee.user(0))
    assert page(committee) in client.get(reverse("evaluation:invitations")).content.decode()
    workspace = client.get(reverse("trading:dashboard")).content.decode()
    assert 'id="evaluation-rooms"' in workspace and page(committee) in workspace
    # once the report is final the room is no longer a task
    EvaluationRoom.objects.filter(lot=committee.lot).update(state=RoomState.FINAL)
    assert page(committee) not in client.get(reverse("trading:dashboard")).content.decode()


@pytest.mark.parametrize("who", ["staff", "supervisor"])
def test_staff_and_supervisors_find_the_room_on_the_draw_page_the_project_page_and_their_workspace(who):
    committee = formed(n=5)
    client = client_for(getattr(committee, who))
    for where in (reverse("evaluation:draw_staff", args=[committee.lot.pk]),
                  reverse("trading:project", args=[committee.lot.project_id]), reverse("trading:dashboard")):
        assert page(committee) in client.get(where).content.decode(), where


def test_a_lot_whose_committee_is_not_formed_has_no_room_page():
    from tests.evaluation.drawn import drawn

    committee = drawn(n=5)
    response = client_for(committee.staff).get(page(committee))
    assert response.status_code == 404
    draw_page = client_for(committee.staff).get(reverse("evaluation:draw_staff", args=[committee.lot.pk]))
    assert draw_page.status_code == 200 and page(committee) not in draw_page.content.decode()


@pytest.mark.parametrize("who", ["member", "staff", "supervisor"])
def test_the_room_s_page_and_the_workspaces_read_in_chinese_only(who):
    from tests.untranslated import english_words, visible_texts
    from trading.models import User

    committee = formed(n=5)
    user = {"member": committee.user(0), "staff": committee.staff, "supervisor": committee.supervisor}[who]
    names = frozenset(User.objects.values_list("username", flat=True))
    client = client_for(user)
    for url in (page(committee), reverse("trading:dashboard"), reverse("evaluation:invitations") if who == "member"
                else reverse("evaluation:draw_staff", args=[committee.lot.pk])):
        html = client.get(url).content.decode()
        english = [(text, words) for text in visible_texts(html, "zh-hans") if (words := english_words(text, names))]
        assert english == [], f"{who} {url}"
