"""`manage.py verify_audit`: walks the audit chain, naming the first event changed, removed or inserted."""

from django.core.management.base import BaseCommand

from trading.audit import verify_chain


class Command(BaseCommand):
    help = "Walk the audit chain; exit 1 naming the first event that was changed, removed or inserted."

    def handle(self, *args, **options):
        checked, fault = verify_chain()
        if fault:
            self.stderr.write(f"audit chain broken at {fault} ({checked} events before it verify)")
            raise SystemExit(1)
        self.stdout.write(f"audit chain intact: {checked} events verify")
