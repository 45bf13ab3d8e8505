"""Messages of Django 6.1 itself that its own zh_Hans catalog does not carry yet.

Listed here only so that `makemessages` keeps them in frontend/locale, whose translations take
precedence over Django's: without them a form's empty choice reads "- Select an option -" on a
Chinese page. Drop an entry once Django's catalog translates it.
"""

from django.utils.translation import gettext_noop

DJANGO_MSGIDS = [
    gettext_noop("- Select an option -"),  # django.db.models.fields.BLANK_CHOICE_LABEL
    gettext_noop("No %s matches the given query."),  # django.shortcuts.get_object_or_404
]
