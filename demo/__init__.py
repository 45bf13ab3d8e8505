"""The demo trading network (`manage.py load_demo`): above every floor, imported by none."""
