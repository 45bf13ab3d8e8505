"""An expert's signing key: registered with a proof that the browser holds it, replaced with a
record of both keys, never another expert's key; the page is the expert's own."""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.urls import reverse
from django.utils import translation

from evaluation import signing
from evaluation.models import ExpertKey
from evaluation.signing_keys import register_signing_key
from tests.evaluation.opened import expert
from tests.evaluation.reported import public_b64, register
from tests.trading.factories import cast
from trading.errors import PermissionDenied, RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return cast()


def proof(key, user) -> str:
    return base64.b64encode(key.sign(signing.key_proof_message(user.get_username()))).decode()


def refusal(call, kind=RuleViolation) -> str:
    with translation.override("en"), pytest.raises(kind) as err:
        call()
    return str(err.value.message)


def test_an_expert_registers_a_key_their_browser_proves_it_holds(people):
    user = expert(people.province).user
    key = register(user)
    stored = ExpertKey.objects.get(expert__user=user)
    assert stored.public_key == public_b64(key)
    event = AuditEvent.objects.get(action="evaluation.signing_key_registered")
    assert event.data == {"public_key": stored.public_key} and event.actor_id == user.pk


def test_a_key_without_a_valid_proof_is_refused(people):
    user = expert(people.province).user
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    for bad in (proof(other, user), base64.b64encode(key.sign(b"kaibiao/expert-key v1:someone-else")).decode(), ""):
        assert "proof does not verify" in refusal(lambda: register_signing_key(
            actor=user, public_key=public_b64(key), proof=bad))
    for not_a_key in ("", "abc", base64.b64encode(b"x" * 31).decode(), "age1notakey"):
        assert "not an Ed25519 public key" in refusal(lambda: register_signing_key(
            actor=user, public_key=not_a_key, proof=proof(key, user)))
    assert not ExpertKey.objects.exists()


def test_replacing_a_key_records_both_and_another_experts_key_is_refused(people):
    one, two = expert(people.province).user, expert(people.province).user
    first = register(one)
    second = register(one)
    assert ExpertKey.objects.get(expert__user=one).public_key == public_b64(second)
    replaced = AuditEvent.objects.get(action="evaluation.signing_key_replaced")
    assert replaced.data == {"public_key": public_b64(second), "previous_key": public_b64(first)}
    assert "registered to another expert" in refusal(lambda: register_signing_key(
        actor=two, public_key=public_b64(second), proof=proof(second, two)))
    register_signing_key(actor=one, public_key=public_b64(second), proof=proof(second, one))  # the same again: nothing
    assert AuditEvent.objects.filter(action__startswith="evaluation.signing_key").count() == 2


def test_only_an_expert_registers_a_signing_key(people):
    key = Ed25519PrivateKey.generate()
    for who in ("bidder", "center_staff", "city_supervisor", "custodian"):
        user = people[who]
        refusal(lambda: register_signing_key(actor=user, public_key=public_b64(key), proof=proof(key, user)),
                PermissionDenied)


def test_the_key_page_is_the_experts_own_and_takes_the_public_key_as_json(people):
    user = expert(people.province).user
    client = Client()
    client.force_login(user)
    url = reverse("evaluation:expert_key")
    page = client.get(url)
    assert page.status_code == 200
    assert b'id="expert-key-app"' in page.content and b"expert-key-page.js" in page.content
    key = Ed25519PrivateKey.generate()
    answer = client.post(url, data=json.dumps({"public_key": public_b64(key), "proof": proof(key, user)}),
                         content_type="application/json")
    assert answer.status_code == 200 and answer.json()["public_key"] == public_b64(key)
    assert public_b64(key).encode() in client.get(url).content
    wrong = client.post(url, data=json.dumps({"public_key": public_b64(key), "proof": "AAAA"}),
                        content_type="application/json")
    assert wrong.status_code == 400 and wrong.json()["field"] == "proof"
    for who in ("bidder", "center_staff"):
        other = Client()
        other.force_login(people[who])
        assert other.get(url).status_code == 403
        assert other.post(url, data="{}", content_type="application/json").status_code == 403
