"""An expert's Ed25519 signing key: made in their browser, its public half registered here, replaced when recorded.

The private key never reaches the platform: it stays in a key file the expert downloads (as a
custodian's key does). The browser proves it holds the private key by signing
evaluation.signing.key_proof_message(username); a key that cannot sign is never registered.
Replacing a key is an audit event naming both keys. A report signature keeps the key it was
made with (ReportSignature.public_key), so a replaced key leaves old signatures checkable."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import audit
from trading.errors import NotFound, RuleViolation
from trading.rules import check

from . import signing
from .models import Expert, ExpertKey


def own_key(user) -> ExpertKey | None:
    return ExpertKey.objects.filter(expert__user_id=getattr(user, "pk", None)).first()


def register_signing_key(*, actor, public_key: str, proof: str, now=None) -> ExpertKey:
    """Register (or replace) the acting expert's public key: base64 of the raw 32 bytes, with
    `proof`, the key's signature of key_proof_message(the actor's username)."""
    check(actor, "evaluation.register_signing_key")
    now = now or timezone.now()
    public_key = (public_key or "").strip()
    if signing.public_key(public_key) is None:
        raise RuleViolation(_("This is not an Ed25519 public key (base64 of 32 bytes)."), field="public_key")
    if not signing.verify(public_key, proof, signing.key_proof_message(actor.get_username())):
        raise RuleViolation(_("The key's proof does not verify: the browser that made this key must sign with it."),
                            field="proof")
    with transaction.atomic():
        expert = Expert.objects.select_for_update().filter(user=actor).first()
        if expert is None:
            raise NotFound(_("You have no record in the expert pool."))
        existing = ExpertKey.objects.filter(expert=expert).first()
        if existing is not None and existing.public_key == public_key:
            return existing
        if ExpertKey.objects.filter(public_key=public_key).exclude(expert=expert).exists():
            raise RuleViolation(_("This key is registered to another expert: make a new key."), field="public_key")
        try:
            with transaction.atomic():
                if existing is None:
                    key = ExpertKey.objects.create(expert=expert, public_key=public_key, registered_at=now)
                else:
                    previous = existing.public_key
                    existing.public_key, existing.registered_at = public_key, now
                    existing.save(update_fields=["public_key", "registered_at"])
                    key = existing
        except IntegrityError:  # the same key registered meanwhile by someone else
            raise RuleViolation(_("This key is registered to another expert: make a new key."),
                                field="public_key") from None
        if existing is None:
            audit.record(actor=actor, action="evaluation.signing_key_registered", obj=key,
                         data={"public_key": public_key})
        else:
            audit.record(actor=actor, action="evaluation.signing_key_replaced", obj=key,
                         data={"public_key": public_key, "previous_key": previous})
    return key
