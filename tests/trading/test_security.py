"""Protection a deployment relies on: login lockout (django-axes), the Content Security Policy,
cookies, and a clean `check --deploy` in production."""

import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.trading.factories import CenterFactory, staff

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"  # tests.trading.factories.UserFactory's password


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clerk(db):
    return staff(CenterFactory(), username="clerk-wang")


def login(client, username, password, **meta):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- lockout ---------------------------------------------------------------------------------


def test_the_right_password_logs_in(client, clerk):
    page = login(client, "clerk-wang", PASSWORD)
    assert page.status_code == 302
    assert page["Location"] == reverse("trading:dashboard")
    assert logged_in(client)


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, clerk):
    assert django_settings.AXES_FAILURE_LIMIT == 5
    for attempt in range(4):
        page = login(client, "clerk-wang", f"wrong-password-{attempt}", HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200, "a wrong password shows the form again"
        assert not logged_in(client)
    page = login(client, "clerk-wang", "wrong-password-4", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 429
    page = login(client, "clerk-wang", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 429
    html = page.content.decode()
    assert "Account locked" in html
    assert "Too many failed logins" in html
    assert not logged_in(client)
    assert client.get(reverse("trading:dashboard")).status_code == 302  # still a visitor


def test_four_wrong_passwords_do_not_lock(client, clerk):
    for attempt in range(4):
        login(client, "clerk-wang", f"wrong-password-{attempt}")
    assert login(client, "clerk-wang", PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_locked_out_page_carries_the_csp_too(client, clerk):
    for attempt in range(5):
        login(client, "clerk-wang", f"wrong-password-{attempt}")
    page = login(client, "clerk-wang", PASSWORD)
    assert page.status_code == 429
    assert "script-src 'self' 'nonce-" in page["Content-Security-Policy"]


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for attempt in range(5):
        login(client, "clerk-wang", f"wrong-password-{attempt}", HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")
    page = login(client, "clerk-wang", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert page.status_code == 429
    assert not logged_in(client)


def test_behind_a_trusted_proxy_the_lockout_follows_the_client_address(client, clerk, settings):
    """Behind one proxy every request comes from the proxy's socket: the lockout must key on the
    address the proxy saw, as the audit trail does, or one guesser locks everyone out, and a
    client must not escape it by writing its own X-Forwarded-For entry."""
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for attempt in range(5):
        login(client, "clerk-wang", f"wrong-password-{attempt}", HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    page = login(client, "clerk-wang", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99, 198.51.100.7", **proxy)
    assert page.status_code == 429, "the guesser stays locked out"
    page = login(client, "clerk-wang", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8", **proxy)
    assert page.status_code == 302, "the account's owner, elsewhere, still logs in"
    assert logged_in(client)


# --- Content Security Policy and headers --------------------------------------------------------


@pytest.mark.parametrize("name", ["reporting:portal", "login", "trading:register", "reporting:notices"])
def test_pages_carry_a_strict_content_security_policy(client, db, name):
    page = client.get(reverse(name))
    assert page.status_code == 200
    policy = page["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in (part.strip() for part in policy.split(";")) if d}
    script = directives["script-src"]
    assert "'self'" in script
    nonces = [source for source in script if source.startswith("'nonce-")]
    assert len(nonces) == 1
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    # the page's scripts carry the header's nonce; no inline script runs without it
    nonce = nonces[0][len("'nonce-"):-1]
    html = page.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)


def test_the_nonce_changes_with_every_response(client, db):
    first = client.get(reverse("reporting:portal"))["Content-Security-Policy"]
    second = client.get(reverse("reporting:portal"))["Content-Security-Policy"]
    assert re.search(r"'nonce-[^']+'", first).group() != re.search(r"'nonce-[^']+'", second).group()


def test_other_protective_headers(client, db):
    page = client.get(reverse("reporting:portal"))
    assert page["X-Frame-Options"] == "DENY"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "same-origin"


def test_the_session_cookie_is_http_only(client, clerk):
    page = login(client, "clerk-wang", PASSWORD)
    cookie = page.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_the_csrf_cookie_is_http_only(client, db):
    page = client.get(reverse("login"))
    cookie = page.cookies[django_settings.CSRF_COOKIE_NAME]
    assert cookie["httponly"] is True


# --- deployment checks -------------------------------------------------------------------------


def test_check_deploy_is_clean_in_production():
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KAIBIAO_")) and k != "DATABASE_URL"}
    env.update({
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(60)),
        "DJANGO_ALLOWED_HOSTS": "kaibiao.example.cn",
    })
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KAIBIAO_")) and k != "DATABASE_URL"}
    env.update({"DJANGO_ENV": "production", "DJANGO_ALLOWED_HOSTS": "kaibiao.example.cn"})
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(("value", "expected"), [(None, "0"), ("0", "0"), ("1", "1")])
def test_the_trusted_proxy_count_comes_from_the_environment(value, expected):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KAIBIAO_")) and k != "DATABASE_URL"}
    if value is not None:
        env["KAIBIAO_TRUSTED_PROXY_COUNT"] = value
    result = subprocess.run(
        [sys.executable, "-c", "from kaibiao import settings as s; print(s.TRUSTED_PROXY_COUNT, s.AXES_CLIENT_IP_CALLABLE)"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [expected, "trading.middleware.request_client_ip"]
