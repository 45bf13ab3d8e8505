import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandError

from bidding import receipts


class Command(BaseCommand):
    help = (
        "Verify a bid receipt: says valid, or exactly what does not match. Uses the platform's "
        "receipt key, or --public-key FILE (the PEM published on the portal) to verify offline."
    )

    def add_arguments(self, parser):
        parser.add_argument("receipt", help="the receipt JSON file the bidder downloaded")
        parser.add_argument("--public-key", help="the platform's public key (PEM); default: this installation's key")
        parser.add_argument("--offline", action="store_true", help="do not compare with this installation's records")

    def handle(self, *args, receipt, public_key=None, offline=False, **options):
        try:
            document = json.loads(Path(receipt).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise CommandError(f"cannot read {receipt}: {err}") from err
        if public_key:
            key = serialization.load_pem_public_key(Path(public_key).read_bytes())
        else:
            key = receipts.platform_public_key()
        stored = None if offline else self._stored(document)
        verdict = receipts.verify(document, key, stored=stored)
        if verdict.valid:
            body = document["receipt"]
            self.stdout.write(f"valid: {body.get('action')} {body.get('project')} lot {body.get('lot')} "
                              f"version {body.get('version')} by {body.get('bidder', {}).get('name')} at {body.get('server_time')}")
            return
        for problem in verdict.problems:
            self.stderr.write(f"does not match: {problem}")
        raise SystemExit(1)

    def _stored(self, document):
        """The body this installation kept for the receipt's id, if it has it."""
        import uuid

        from bidding.models import Receipt

        body = document.get("receipt") if isinstance(document, dict) else None
        try:
            receipt_id = uuid.UUID(str(body.get("receipt_id")))
        except (AttributeError, ValueError):
            return None
        kept = Receipt.objects.filter(pk=receipt_id).first()
        return json.loads(kept.body) if kept else None
