from django.dispatch import receiver

from trading.signals import deadline_set

from .closing import schedule_closing


@receiver(deadline_set)
def schedule_closing_at_new_deadline(sender, project, **kwargs):
    schedule_closing(project)
