"""`manage.py verify_report`: checks an evaluation report's signatures offline, from its two files alone."""

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bidding.receipts import platform_public_key
from evaluation.signing import check_file


class Command(BaseCommand):
    help = (
        "Verify an evaluation report: the PDF is the one signed, each member's Ed25519 signature verifies under the "
        "public key listed beside it, the platform signed that list, and every member signed or refused with reasons. "
        "Uses this installation's platform key, or --public-key FILE (the PEM published on the portal)."
    )

    def add_arguments(self, parser):
        parser.add_argument("report", help="the report PDF as downloaded")
        parser.add_argument("signatures", help="the report's signatures file (signatures.json)")
        parser.add_argument("--public-key", help="the platform's public key (PEM); default: this installation's key")

    def handle(self, *args, report, signatures, public_key=None, **options):
        try:
            pdf, text = Path(report).read_bytes(), Path(signatures).read_bytes()
            if public_key:
                key = serialization.load_pem_public_key(Path(public_key).read_bytes())
            else:
                key = platform_public_key()
        except (OSError, ValueError) as err:
            raise CommandError(str(err)) from err
        if not isinstance(key, Ed25519PublicKey):
            raise CommandError(f"{public_key} is not an Ed25519 public key")
        verdict = check_file(pdf, text, key)
        for line in verdict.lines:
            self.stdout.write(line)
        if verdict.valid:
            self.stdout.write(_("Valid: every member signed this report or refused with reasons; the report is final."))
            return
        self.stderr.write(_("Not valid:"))
        for problem in verdict.problems:
            self.stderr.write(f"- {problem}")
        raise SystemExit(1)
