"""`python manage.py load_demo`: the demo trading network in Guangxi, loaded once (demo/loader.py)."""

from django.core.management.base import BaseCommand, CommandError

from demo import loader, summary
from demo.data import LIVE_OPENING, OPENING_IN, OPENING_IN_LIMITS


class Command(BaseCommand):
    help = "Load the demo trading network (centers, parties, accounts, projects at every stage), once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--opening-in", type=int, default=OPENING_IN, metavar="MINUTES",
            help=f"Minutes from loading to the bid deadline of the live-opening tender {LIVE_OPENING}, whose "
                 f"opening hall opens then (default {OPENING_IN}; {OPENING_IN_LIMITS[0]} to {OPENING_IN_LIMITS[1]}). "
                 "Only a first load sets it.",
        )

    def handle(self, *args, **options):
        if loader.is_loaded():
            self.say(summary.already_loaded())
            return
        try:
            demo = loader.load(opening_in=options.get("opening_in", OPENING_IN))
        except loader.DemoError as err:
            raise CommandError(str(err)) from err
        self.say(summary.loaded(demo))

    def say(self, lines):
        styles = {"success": self.style.SUCCESS, "warning": self.style.WARNING}
        for text, tone in lines:
            self.stdout.write(styles[tone](text) if tone else text)
