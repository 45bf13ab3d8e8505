"""One settings module, driven by the environment.

With no environment at all it runs embedded: SQLite, the in-memory channel layer, DEBUG on
(but not under `make run`, kaibiao.run: DJANGO_DEBUG=1 asks for it), a development secret. Set DJANGO_ENV=production (and the variables named below) for a
deployment; `python manage.py check --deploy` is then clean.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

# --- environment ---------------------------------------------------------------------------
PRODUCTION = env.str("DJANGO_ENV", default="development") == "production"
DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="" if PRODUCTION else "dev-only-insecure-key-kaibiao-do-not-deploy-0123456789abcdef",
)
if PRODUCTION and len(SECRET_KEY) < 50:
    raise environ.ImproperlyConfigured("DJANGO_SECRET_KEY must be set (50+ characters) in production")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# How many reverse proxies in front of Daphne append to X-Forwarded-For. 0: trust only the
# socket's address, so a client cannot choose the network address written to the audit trail.
TRUSTED_PROXY_COUNT = env.int("KAIBIAO_TRUSTED_PROXY_COUNT", default=0)

# --- applications --------------------------------------------------------------------------
INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "django_tasks_db",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "frontend",
    "rooms",
    "trading",
    "bidding",
    "evaluation",
    "reporting",
    "demo",  # above every floor: `manage.py load_demo`; nothing imports it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "trading.middleware.RequestContextMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kaibiao.urls"
ASGI_APPLICATION = "kaibiao.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.platform",
            ],
        },
    },
]

# --- data ----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kaibiao.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)  # a fresh checkout has no var/ yet; SQLite will not create it
    # Several processes (Daphne, the task worker) share one file: wait on a lock, do not fail.
    # The file is put in WAL mode (readers never wait for the writer) once per process by
    # kaibiao.sqlite_wal, not on every new connection: the mode is kept in the file itself.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    # The test database is a file, one per test run, so that a live Daphne started by the
    # end-to-end tests (channels' ChannelsLiveServerTestCase) sees the same data.
    import os
    import tempfile

    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.path.join(tempfile.gettempdir(), f"kaibiao-test-{os.getpid()}.sqlite3")
else:
    # Named explicitly: the live server's process reads this name rather than deriving it again.
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", f"test_{DATABASES['default']['NAME']}")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "trading.User"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # The layer is the opening hall's doorbell and nothing else (bidding.consumers: a bell is
    # rung at most once, the events themselves are in the database). Redis publish/subscribe
    # rings it with one round trip and pushes it to the other processes as it comes; the
    # core layer took four round trips per group_send, each waiting for the ringing process's
    # loop. A published message reaches every database number of the server, so the prefix
    # names the database: deployments and test runs on one Redis keep apart, as with the core
    # layer's keys.
    from urllib.parse import urlparse

    _redis_db = urlparse(REDIS_URL).path.strip("/") or "0"
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                    "CONFIG": {"hosts": [{"address": REDIS_URL}], "prefix": f"kaibiao.db{_redis_db}."}}
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MEDIA_ROOT = env.path("KAIBIAO_MEDIA_ROOT", default=VAR_DIR / "media")
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Tender documents are public once published; cap what one upload may be.
KAIBIAO_DOCUMENT_MAX_BYTES = env.int("KAIBIAO_DOCUMENT_MAX_BYTES", default=200 * 1024 * 1024)

# --- mail and text messages ----------------------------------------------------------------
# Drawn experts are told by email and by text message (evaluation.notify). Embedded, mail is
# written to the console; in production it goes by SMTP to EMAIL_HOST, unless EMAIL_BACKEND
# names another backend (Django 6.1's MAILERS, not its deprecated EMAIL_* settings). Text
# messages go through SMS_BACKEND, a subclass of evaluation.sms.SMSBackend: the default writes
# them to the log. KAIBIAO_SITE_URL is the address the messages link to.
_email_backend = env.str("EMAIL_BACKEND", default="django.core.mail.backends."
                         + ("smtp.EmailBackend" if PRODUCTION else "console.EmailBackend"))
MAILERS = {"default": {"BACKEND": _email_backend}}
if _email_backend == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        "host": env.str("EMAIL_HOST", default="localhost"), "port": env.int("EMAIL_PORT", default=25),
        "username": env.str("EMAIL_HOST_USER", default=""), "password": env.str("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=False),
    }
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Kaibiao <noreply@localhost>")
SMS_BACKEND = env.str("SMS_BACKEND", default="evaluation.sms.LoggingSMSBackend")
KAIBIAO_SITE_URL = env.str("KAIBIAO_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- authentication and protection against guessing ---------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "trading:dashboard"
LOGOUT_REDIRECT_URL = "reporting:portal"

AXES_FAILURE_LIMIT = env.int("KAIBIAO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("KAIBIAO_LOGIN_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# The lockout keys on the address the audit trail records: the socket's, or behind
# TRUSTED_PROXY_COUNT proxies the one the outermost proxy saw (not the proxy's own).
AXES_CLIENT_IP_CALLABLE = "trading.middleware.request_client_ip"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content Security Policy (Django's own middleware): our own scripts only, no inline script.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- language and time ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "frontend" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Every line through the root's one handler, once. Django's own default configuration gives the
# "django" logger a console handler of its own (printing under DEBUG) that also propagates to the
# root: each request's "Not Found" and each task's "Task id=…" line came out twice. (Its level
# is the root's, DJANGO_LOG_LEVEL.)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"sealed_routes": {"()": "kaibiao.logfilters.SealedRouteRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django": {"handlers": [], "level": "NOTSET"}, "axes": {"level": "WARNING"}, "daphne": {"level": "WARNING"},
                "django.request": {"filters": ["sealed_routes"]}},
}

PLATFORM_NAME = _("Kaibiao public-resource trading platform")

# Static files straight from the apps in development; collected (collectstatic) in production.
WHITENOISE_USE_FINDERS = not PRODUCTION
# ... looked up at each request outside production, DEBUG or not: `make run` serves without DEBUG,
# and there is no collected STATIC_ROOT to read once at start.
WHITENOISE_AUTOREFRESH = not PRODUCTION

# --- sealed bids ---------------------------------------------------------------------------
# The Ed25519 key that signs receipts. Development creates one in var/; production provisions it.
KAIBIAO_RECEIPT_KEY_FILE = env.path("KAIBIAO_RECEIPT_KEY_FILE", default=VAR_DIR / "receipt-signing-key.pem")
# Where sealed bid files are stored while they stream in and until the archive.
KAIBIAO_SEALED_ROOT = env.path("KAIBIAO_SEALED_ROOT", default=VAR_DIR / "sealed")
KAIBIAO_UPLOAD_MAX_CHUNK = env.int("KAIBIAO_UPLOAD_MAX_CHUNK", default=32 * 1024 * 1024)
# `manage.py load_demo` only: where it writes the demo custodians' and bidders' key files (a demo
# shortcut: a real custodian's or bidder's key never leaves its browser).
KAIBIAO_DEMO_KEYS_DIR = env.path("KAIBIAO_DEMO_KEYS_DIR", default=VAR_DIR / "demo-keys")
