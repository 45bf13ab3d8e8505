import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Experts, staff and bidders are made by the dozen: a fast hasher for their passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
