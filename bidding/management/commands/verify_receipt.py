"""`manage.py verify_receipt`: checks a bid receipt against this installation, or offline against a public key."""

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bidding.bid_access import verify_receipt_file


class Command(BaseCommand):
    help = (
        "Verify a bid receipt: says valid (and whether the version still counts), or which fields do not match. "
        "Uses this installation's receipt key and records, or --public-key FILE (the PEM published on the portal) "
        "with --offline (the signature alone)."
    )

    def add_arguments(self, parser):
        parser.add_argument("receipt", help="the receipt JSON file the bidder downloaded")
        parser.add_argument("--public-key", help="the platform's public key (PEM); default: this installation's key")
        parser.add_argument("--offline", action="store_true", help="check the signature only, without the platform's records")

    def handle(self, *args, receipt, public_key=None, offline=False, **options):
        try:
            data = Path(receipt).read_bytes()
        except OSError as err:
            raise CommandError(f"cannot read {receipt}: {err}") from err
        key = serialization.load_pem_public_key(Path(public_key).read_bytes()) if public_key else None
        verdict = verify_receipt_file(data, public_key=key, compare=not offline)
        if verdict.valid:
            self.stdout.write(_("Valid: the platform signed exactly this receipt."))
            for note in verdict.notes:
                self.stdout.write(note)
            return
        self.stderr.write(_("Not valid:"))
        for problem in verdict.problems:
            self.stderr.write(f"- {problem}")
        raise SystemExit(1)
