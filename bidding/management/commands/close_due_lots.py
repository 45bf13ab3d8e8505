"""`manage.py close_due_lots`: closes every lot whose bid deadline has passed (beside the scheduled task)."""

from django.core.management.base import BaseCommand

from bidding.closing import close_due_lots


class Command(BaseCommand):
    help = "Close every lot whose bid deadline has passed (a sweep beside the scheduled task)."

    def handle(self, *args, **options):
        closed = close_due_lots()
        for lot in closed:
            self.stdout.write(f"{lot}: {lot.get_state_display()}")
        self.stdout.write(f"{len(closed)} lot(s) closed")
