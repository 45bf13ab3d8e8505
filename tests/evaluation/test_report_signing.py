"""The report's commands: a dissent with reasons, the leader makes the report, each member signs it
with their own registered Ed25519 key or refuses with reasons, and the report is final when all
have answered. Real keys (cryptography's Ed25519), a real database."""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import translation

from evaluation import signing
from evaluation.choices import RoomState
from evaluation.models import EvaluationEvent, ReportSignature
from evaluation.room import report
from tests.evaluation.reported import DISSENT, public_b64, register, summarized_room
from trading.errors import PermissionDenied, RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db


def refusal(call, kind=RuleViolation) -> str:
    with translation.override("en"), pytest.raises(kind) as err:
        call()
    return str(err.value.message)


def kinds(room) -> list[str]:
    return list(EvaluationEvent.objects.filter(room=room).order_by("seq").values_list("kind", flat=True))


@pytest.fixture
def made():
    s = summarized_room()
    report.make_report(actor=s.user(0), lot_id=s.lot_id)
    return s


def test_a_dissent_is_recorded_with_reasons_and_rewritten_until_the_report_is_made():
    s = summarized_room(with_keys=False)
    assert "Write your reasons" in refusal(lambda: report.record_dissent(actor=s.user(2), lot_id=s.lot_id, reason="  "))
    report.record_dissent(actor=s.user(2), lot_id=s.lot_id, reason="first thoughts")
    report.record_dissent(actor=s.user(2), lot_id=s.lot_id, reason=DISSENT)
    dissent = s.members[2].dissent
    dissent.refresh_from_db()
    assert dissent.reasons == DISSENT
    assert kinds(s.room).count("dissent_recorded") == 2
    assert AuditEvent.objects.filter(action="evaluation.room.dissent_recorded", data__reason=DISSENT).exists()


def test_only_a_member_dissents_and_only_before_the_report():
    s = summarized_room()
    staff = s.people["center_staff"]
    assert "Only a member" in refusal(lambda: report.record_dissent(actor=staff, lot_id=s.lot_id, reason="x"),
                                      PermissionDenied)
    report.make_report(actor=s.user(0), lot_id=s.lot_id)
    assert "before the report is made" in refusal(
        lambda: report.record_dissent(actor=s.user(1), lot_id=s.lot_id, reason="too late"))


def test_only_the_leader_makes_the_report_once_and_the_room_moves_to_signing():
    s = summarized_room()
    assert "Only the committee leader" in refusal(lambda: report.make_report(actor=s.user(1), lot_id=s.lot_id),
                                                  PermissionDenied)
    for who in ("center_staff", "city_supervisor"):
        refusal(lambda: report.make_report(actor=s.people[who], lot_id=s.lot_id), PermissionDenied)
    report.make_report(actor=s.user(0), lot_id=s.lot_id)
    room = s.fresh()
    assert room.state == RoomState.SIGNING and room.report_made_at is not None
    assert room.report_sha256 == hashlib.sha256(bytes(room.report_pdf)).hexdigest()
    made = EvaluationEvent.objects.get(room=room, kind="report_made")
    assert made.data == {"sha256": room.report_sha256, "size": len(bytes(room.report_pdf))}
    assert "once" in refusal(lambda: report.make_report(actor=s.user(0), lot_id=s.lot_id))


def test_the_report_is_not_made_before_the_summary():
    s = summarized_room(with_keys=False)
    s.room.state = RoomState.SCORING
    s.room.save(update_fields=["state"])
    assert "after the summary" in refusal(lambda: report.make_report(actor=s.user(0), lot_id=s.lot_id))


def test_a_member_signs_with_their_registered_key_and_the_key_is_kept_beside_the_signature(made):
    s = made
    sha = s.fresh().report_sha256
    report.sign_report(actor=s.user(1), lot_id=s.lot_id, signature=s.sign(1), report_sha256=sha)
    kept = ReportSignature.objects.get(member=s.members[1])
    assert kept.public_key == public_b64(s.keys[1]) and kept.report_sha256 == sha and kept.refusal == ""
    # exactly what is signed: the prefix and the PDF's SHA-256 in hex, as ASCII
    message = f"kaibiao/evaluation-report v1:{sha}".encode("ascii")
    s.keys[1].public_key().verify(base64.b64decode(kept.signature), message)
    assert AuditEvent.objects.filter(action="evaluation.room.report_signed", data__signature=kept.signature).exists()


def test_a_wrong_signature_is_refused_and_nothing_is_recorded(made):
    s = made
    sha = s.fresh().report_sha256
    stranger = Ed25519PrivateKey.generate()
    wrong = {
        "another key": base64.b64encode(stranger.sign(signing.report_message(sha))).decode(),
        "another member's key": s.sign(2),
        "another report": s.sign(1, "0" * 64),
        "the bare digest": base64.b64encode(s.keys[1].sign(sha.encode())).decode(),
        "not base64": "not a signature",
    }
    for why, signature in wrong.items():
        message = refusal(lambda: report.sign_report(actor=s.user(1), lot_id=s.lot_id, signature=signature,
                                                     report_sha256=sha))
        assert "does not match your registered key" in message, why
    assert not ReportSignature.objects.filter(member=s.members[1]).exists()
    assert "report_signed" not in kinds(s.room)


def test_a_signature_of_another_file_is_refused_before_the_key_is_asked(made):
    s = made
    other = hashlib.sha256(b"a copy someone changed").hexdigest()
    message = refusal(lambda: report.sign_report(actor=s.user(1), lot_id=s.lot_id, signature=s.sign(1, other),
                                                 report_sha256=other))
    assert "not this report" in message


def test_a_member_without_a_registered_key_is_told_to_register_one():
    s = summarized_room(with_keys=False)
    report.make_report(actor=s.user(0), lot_id=s.lot_id)
    key = Ed25519PrivateKey.generate()
    sha = s.fresh().report_sha256
    signature = base64.b64encode(key.sign(signing.report_message(sha))).decode()
    assert "Register your signing key" in refusal(
        lambda: report.sign_report(actor=s.user(0), lot_id=s.lot_id, signature=signature, report_sha256=sha))


def test_signing_waits_for_the_report_and_the_staff_and_supervisors_sign_nothing():
    s = summarized_room()
    assert "once it is made" in refusal(lambda: report.sign_report(
        actor=s.user(0), lot_id=s.lot_id, signature=s.sign(0, "a" * 64), report_sha256="a" * 64))
    report.make_report(actor=s.user(0), lot_id=s.lot_id)
    for who in ("center_staff", "city_supervisor", "expert"):
        refusal(lambda: report.refuse_signature(actor=s.people[who], lot_id=s.lot_id, reason="no"), PermissionDenied)


def test_the_report_is_final_when_every_member_has_signed_or_refused_with_reasons(made):
    s = made
    sha = s.fresh().report_sha256
    assert "Write your reasons" in refusal(lambda: report.refuse_signature(actor=s.user(4), lot_id=s.lot_id, reason=""))
    report.refuse_signature(actor=s.user(4), lot_id=s.lot_id, reason=DISSENT)
    assert "already answered" in refusal(lambda: report.sign_report(actor=s.user(4), lot_id=s.lot_id,
                                                                    signature=s.sign(4), report_sha256=sha))
    for i in range(3):
        report.sign_report(actor=s.user(i), lot_id=s.lot_id, signature=s.sign(i), report_sha256=sha)
        assert s.fresh().state == RoomState.SIGNING
    report.sign_report(actor=s.user(3), lot_id=s.lot_id, signature=s.sign(3), report_sha256=sha)
    room = s.fresh()
    assert room.state == RoomState.FINAL and room.final_at is not None
    final = EvaluationEvent.objects.get(room=room, kind="report_final")
    assert final.data == {"signed": 4, "refused": 1}
    assert kinds(room)[-2:] == ["report_signed", "report_final"]
    refusal(lambda: report.refuse_signature(actor=s.user(4), lot_id=s.lot_id, reason="again"))  # final: no more answers
    assert ReportSignature.objects.get(member=s.members[4]).refusal == DISSENT


def test_a_replaced_key_leaves_the_signature_made_with_it_checkable(made):
    s = made
    sha = s.fresh().report_sha256
    report.sign_report(actor=s.user(1), lot_id=s.lot_id, signature=s.sign(1), report_sha256=sha)
    old = public_b64(s.keys[1])
    register(s.user(1))  # a new key, after signing
    kept = ReportSignature.objects.get(member=s.members[1])
    assert kept.public_key == old
    assert signing.verify(kept.public_key, kept.signature, signing.report_message(sha))
    assert AuditEvent.objects.filter(action="evaluation.signing_key_replaced", data__previous_key=old).exists()
