"""The sealed-bid part of the demo (`manage.py load_demo`, trading/management/commands/load_demo.py):
the key custodians' keys, and for each open tender its sealing rules and a completed key
ceremony, all through bidding.services, so the audit chain records them as it would in use.

DEMO SHORTCUT, NOT HOW THE PLATFORM IS USED. A real custodian generates its key in its own
browser (/custodian/) and the identity never leaves it; the opening key is dealt in the staff's
browser (/work/projects/<pk>/ceremony/) and forgotten there. Here Python plays both browsers:
it deals exactly as ceremony.js does (frontend/js/README.md, the opening-share contract) and
writes each custodian's key file, in the browser's key-file format, to KAIBIAO_DEMO_KEYS_DIR,
so that someone walking through the demo can act as a custodian at the opening.
"""

import json
import os
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import pyshamir
from django.conf import settings
from django.utils import timezone

from . import draw, services
from .agefile import X25519Identity, encrypt_bytes, generate_identity
from .opening_form import default_items
from .opening_keys import SHARE_FORMAT, combine_shares

# frontend/js/src/keys.js, WORDING.custodian: the browser's custodian key file, line for line.
CUSTODIAN_KEY_TITLE = "# 开标 Kaibiao — 密钥保管人密钥 / key custodian's key"
CUSTODIAN_KEY_WARNING = [
    "# 警告：请妥善保管本文件。各招标项目开标密钥的份额只能用它打开。",
    "# 不要把本文件交给任何人（包括平台工作人员和其他保管人）。",
    "# WARNING: keep this file safe. Your shares of tenders' opening keys open",
    "# only with it. Give it to no one, platform staff and other custodians included.",
]
DEMO_NOTE = [
    "# 演示数据：本文件由 manage.py load_demo 生成，仅供演示。真实的保管人密钥只在保管人自己的浏览器中生成，从不离开。",
    "# DEMO ONLY: written by manage.py load_demo for the walk-through. A real custodian's key is",
    "# generated in its own browser and never leaves it.",
]


@dataclass
class DemoCustodian:
    user: object
    identity: X25519Identity
    key_file_text: str

    @property
    def filename(self) -> str:
        return f"{self.user.username}.txt"


def keys_dir() -> Path:
    return Path(settings.KAIBIAO_DEMO_KEYS_DIR)


def custodian_key_file_text(identity: X25519Identity, username: str, created=None) -> str:
    """What the custodian page (custodian-page.js → keys.js keyFileText, role "custodian")
    downloads, without a passphrase, with a demo note among the comments."""
    created = (created or timezone.now()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [
        CUSTODIAN_KEY_TITLE,
        "# tender: custodian",
        f"# lot: {username}",
        f"# bidder: {username}",
        f"# created: {created}",
        f"# public key: {identity.recipient}",
        "#",
        *CUSTODIAN_KEY_WARNING,
        *DEMO_NOTE,
        str(identity),
        "",
    ]
    return "\n".join(lines)


def register_custodian_keys(users) -> list[DemoCustodian]:
    """Each custodian registers a fresh key, as on its /custodian/ page."""
    custodians = []
    for user in users:
        identity = generate_identity()
        services.register_custodian_key(actor=user, recipient=str(identity.recipient))
        custodians.append(DemoCustodian(user, identity, custodian_key_file_text(identity, user.username)))
    return custodians


def write_key_files(custodians: list[DemoCustodian], folder: Path | None = None) -> list[Path]:
    """Write each custodian's key file (owner-only), replacing a file left by an earlier demo."""
    folder = Path(folder or keys_dir())
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for custodian in custodians:
        path = folder / custodian.filename
        temporary = path.with_name(f".{path.name}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(custodian.key_file_text)
        os.replace(temporary, path)
        written.append(path)
    return written


def share_payload(project, custodian_user, share: bytes, *, k: int, n: int, opening_recipient: str) -> bytes:
    """One custodian's share, as ceremony.js writes it (frontend/js/README.md)."""
    return json.dumps({
        "format": SHARE_FORMAT, "tender": project.code, "custodian": str(custodian_user.pk),
        "threshold": k, "shares": n, "openingRecipient": opening_recipient, "share": bytes(share).hex(),
    }).encode("utf-8")


def deal_opening_key(*, staff, project, custodians: list[DemoCustodian], k: int):
    """What the dealing browser does: a fresh opening identity, its 32-byte secret split k-of-n
    (pyshamir: the scheme of shamir-secret-sharing), the first and last k shares checked to
    rebuild it, each share encrypted to its custodian's recipient. The identity is then dropped."""
    identity = generate_identity()
    recipient = str(identity.recipient)
    shares = pyshamir.split(identity.secret_bytes(), len(custodians), k)
    combine_shares(shares[:k], recipient)
    combine_shares(shares[-k:], recipient)
    blobs = {
        c.user.pk: encrypt_bytes(
            share_payload(project, c.user, share, k=k, n=len(custodians), opening_recipient=recipient),
            [c.identity.recipient],
        )
        for c, share in zip(custodians, shares)
    }
    return services.complete_ceremony(actor=staff, project=project, opening_recipient=recipient, shares=blobs)


def prepare_open_tender(*, staff, project, custodians: list[DemoCustodian], k: int = 3, k_range=None):
    """While the tender is a draft: its sealing rules (the category's opening form, and K's
    range where given), then its custodians invited and the opening key dealt."""
    rules = {"declared_items": default_items(project.category)}
    if k_range:
        low, high, step = k_range
        draw.make_range(low, high, step)  # refuse a range the hall could not draw from
        rules.update(k_low=low, k_high=high, k_step=step)
    services.update_rules(actor=staff, project=project, **rules)
    services.invite_custodians(actor=staff, project=project, custodians=[c.user for c in custodians], k=k)
    return deal_opening_key(staff=staff, project=project, custodians=custodians, k=k)
