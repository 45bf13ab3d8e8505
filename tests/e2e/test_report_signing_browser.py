"""An expert's signing key and their signature on the report, in Debian's Chromium: the key page
makes an Ed25519 key with WebCrypto, downloads its key file and registers only the public key;
the room's report panel (room-report.js, bundled here on its own) reads that key file, fetches
the report PDF from the server, hashes it and signs in the browser, and the server's service
accepts the signature; a key file of another key is refused in the browser before anything is
sent. The private key never reaches the server: the test looks for it in every request."""

import base64
import json
import subprocess
import tempfile
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from evaluation.models import ExpertKey, ReportSignature
from evaluation.room import report
from tests.evaluation.reported import summarized_room
from trading.errors import DomainError

from .conftest import chromium, new_context, require_browser, screenshot
from .dialogs import answer

WAIT = 20_000
JS = Path(__file__).resolve().parents[2] / "frontend" / "js"
PASSPHRASE = "长城 长城 长城"


def panel_bundle() -> str:
    """room-report.js bundled on its own (the room page bundles it with the others)."""
    out = Path(tempfile.mkdtemp()) / "room-report.js"
    subprocess.run([str(JS / "node_modules" / ".bin" / "esbuild"), "src/pages/room-report.js", "--bundle",
                    "--format=esm", f"--outfile={out}", "--log-level=warning"], cwd=JS, check=True)
    return out.read_text()


def until(page, found, seconds=20):
    """What `found()` returns once it returns something, asked every 100 ms while the browser works."""
    for _ in range(seconds * 10):
        value = found()
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError("the browser's work did not reach the server in time")


def registered_key(user) -> str | None:
    return ExpertKey.objects.filter(expert__user=user).values_list("public_key", flat=True).first()


def logged_in(context, base_url, user):
    """A session for `user` (force_login), its cookie given to the browser: no password needed."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}])
    return context.new_page()


@pytest.mark.browser
class ReportSigningInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        self.s = summarized_room(with_keys=False)
        report.make_report(actor=self.s.user(0), lot_id=self.s.lot_id)
        self.bundle = panel_bundle()

    def make_key(self, page, user, folder: Path) -> Path:
        page.goto(self.live_server_url + reverse("evaluation:expert_key"))
        page.fill("#key-passphrase", PASSPHRASE)
        with page.expect_download() as download:
            page.click("#make-key")
        path = folder / download.value.suggested_filename
        download.value.save_as(path)
        # the status names the key registered, whatever the page's language
        expect(page.locator("#key-status")).to_contain_text(until(page, lambda: registered_key(user)), timeout=WAIT)
        expect(page.locator("#key-status")).not_to_have_class("errors")
        return path

    def show_panel(self, page, user):
        """The report panel as the room page shows it, from the server's snapshot part, its
        commands run by the report's services for `user` (as the room's socket runs them)."""
        s, room = self.s, self.s.fresh()
        member = next(m for m in s.members if m.expert.user_id == user.pk)

        class Viewer:
            role, member_id = "member", member.pk

        members = [{"id": m.pk, "name": m.expert.user.full_name, "pick": m.pick, "leader": m.pk == room.leader_id,
                    "recused": False} for m in s.members]
        snap = {"state": room.state, "members": members, "report": report.snapshot_part(room, Viewer),
                "you": {"role": "member", "member_id": member.pk, "leader": member.pk == room.leader_id}}

        def act(kind, fields):
            service, names = report.COMMANDS[kind]
            try:
                service(actor=user, lot_id=s.lot_id, **{n: json.loads(fields)[n] for n in names})
            except DomainError as err:
                return {"type": "error", "message": str(err.message)}
            finally:
                # Playwright runs this callback in a context of its own: its connection is closed
                # here, or it stays open to the end and PostgreSQL refuses to drop the test database
                connections.close_all()
            return {"type": "ok"}

        page.expose_function("pyAct", act)
        page.route(f"{self.live_server_url}/__panel__.js",
                   lambda r: r.fulfill(body=self.bundle, content_type="text/javascript"))
        page.evaluate("""async (snap) => {
            const { render } = await import("/__panel__.js");
            const slot = document.createElement("div");
            slot.id = "panel-report";
            document.querySelector("main, body").append(slot);
            const act = (type, fields) => window.pyAct(type, JSON.stringify(fields ?? {}));
            slot.replaceChildren(render(snap, act));
        }""", snap)

    def test_a_member_makes_a_key_and_signs_the_report_in_the_browser(self):
        s, user = self.s, self.s.user(1)
        sent = []
        with chromium() as browser, tempfile.TemporaryDirectory() as folder:
            context = new_context(browser, accept_downloads=True)
            page = logged_in(context, self.live_server_url, user)
            page.on("request", lambda r: sent.append((r.url, r.post_data or "")))
            key_file = self.make_key(page, user, Path(folder))
            registered = ExpertKey.objects.get(expert__user=user).public_key
            assert key_file.read_bytes().startswith(b"age-encryption.org/v1")  # locked with the passphrase
            screenshot(page, "expert-signing-key-desktop")

            self.show_panel(page, user)
            expect(page.locator("#report-sha256")).to_have_text(s.fresh().report_sha256)
            page.set_input_files("#report-key-file", str(key_file))
            page.fill("#report-key-passphrase", PASSPHRASE)
            page.click("#sign-report")
            answer(page, yes=True)
            kept = until(page, lambda: ReportSignature.objects.filter(member=s.members[1]).first())
            expect(page.locator("#report-status")).not_to_have_class("errors")
            screenshot(page, "report-signed-in-browser-desktop")
        assert kept.public_key == registered and kept.signature
        # a real Ed25519 key was registered, and its private half never left the browser
        Ed25519PublicKey.from_public_bytes(base64.b64decode(registered))
        assert not any("PRIVATE KEY" in body or "age-encryption.org" in body for _url, body in sent)

    def test_a_key_file_of_another_key_is_refused_before_anything_is_sent(self):
        s, user = self.s, self.s.user(2)
        with chromium() as browser, tempfile.TemporaryDirectory() as folder:
            context = new_context(browser, accept_downloads=True)
            page = logged_in(context, self.live_server_url, user)
            old = self.make_key(page, user, Path(folder))
            first = registered_key(user)
            page.fill("#key-passphrase", "")
            with page.expect_download() as download:
                page.click("#make-key")
                answer(page, yes=True)  # replacing asks first
            download.value.save_as(Path(folder) / "new.txt")
            until(page, lambda: registered_key(user) != first)
            self.show_panel(page, user)
            page.set_input_files("#report-key-file", str(old))
            page.fill("#report-key-passphrase", PASSPHRASE)
            page.click("#sign-report")
            expect(page.locator("#report-status")).to_have_class("errors", timeout=WAIT)
            expect(page.locator("dialog.confirm-dialog")).to_have_count(0)  # not even asked to sign
        assert not ReportSignature.objects.filter(member=s.members[2]).exists()
