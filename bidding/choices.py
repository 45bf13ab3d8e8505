from django.db import models
from django.utils.translation import pgettext_lazy


class BidState(models.TextChoices):
    UPLOADING = "uploading", pgettext_lazy("bid state", "Uploading")
    COMPLETE = "complete", pgettext_lazy("bid state", "Complete")
    SUPERSEDED = "superseded", pgettext_lazy("bid state", "Replaced by a later version")
    WITHDRAWN = "withdrawn", pgettext_lazy("bid state", "Withdrawn")
