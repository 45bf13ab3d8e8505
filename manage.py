#!/usr/bin/env python
"""Django's command line for Kaibiao (`python manage.py ...`), with kaibiao.settings unless told otherwise."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaibiao.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
