"""`manage.py verify_receipt`: checks a bid receipt against this installation, or offline against a public key."""

import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandError

from bidding.bid_access import verify_receipt_document


class Command(BaseCommand):
    help = (
        "Verify a bid receipt: says valid, or exactly what does not match. Uses this installation's "
        "receipt key and records, or --public-key FILE (the PEM published on the portal) with --offline."
    )

    def add_arguments(self, parser):
        parser.add_argument("receipt", help="the receipt JSON file the bidder downloaded")
        parser.add_argument("--public-key", help="the platform's public key (PEM); default: this installation's key")
        parser.add_argument("--offline", action="store_true", help="check the signature only, without the platform's records")

    def handle(self, *args, receipt, public_key=None, offline=False, **options):
        try:
            document = json.loads(Path(receipt).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise CommandError(f"cannot read {receipt}: {err}") from err
        key = serialization.load_pem_public_key(Path(public_key).read_bytes()) if public_key else None
        verdict = verify_receipt_document(document, public_key=key, compare=not offline)
        if verdict.valid:
            body = document["receipt"]
            self.stdout.write(f"valid: {body.get('action')} {body.get('project')} lot {body.get('lot')} "
                              f"version {body.get('version')} by {body.get('bidder', {}).get('name')} at {body.get('server_time')}")
            return
        for problem in verdict.problems:
            self.stderr.write(f"does not match: {problem}")
        raise SystemExit(1)
