"""The benchmarks' throwaway server environment: its own SQLite file, sealed-file root, receipt
key and media folder inside `folder`, served as in production (no debug), nothing inherited
that would point a server elsewhere (REDIS_URL, DATABASE_URL, DJANGO_ENV)."""

import os
from pathlib import Path


def environment(folder: Path) -> dict:
    drop = ("REDIS_URL", "DJANGO_ENV", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({
        "DJANGO_SETTINGS_MODULE": "kaibiao.settings",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",  # sqlite:////tmp/… (absolute path)
        "KAIBIAO_SEALED_ROOT": str(folder / "sealed"),
        "KAIBIAO_RECEIPT_KEY_FILE": str(folder / "receipt-signing-key.pem"),
        "KAIBIAO_MEDIA_ROOT": str(folder / "media"),
        "DJANGO_DEBUG": "false",  # as served: no query log, no debug pages
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    return env
