"""A bid sealed in a real browser: custodians make their keys, staff deal the opening key at
the ceremony, a bidder generates its key, seals and uploads its bid and gets its receipt; after
the deadline the bid decrypts with the bidder's key file and with the rebuilt opening key."""

import json
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.test import override_settings
from django.utils import timezone

from bidding import opening_keys, storage
from bidding.agefile import decrypt_bytes
from bidding.bid_access import verify_receipt_document
from bidding.models import Bid, CustodianShare, SealedFile
from bidding.services import rules_for
from trading.choices import LotState, Role
from trading.models import Project

from ..trading.factories import CenterFactory, LotFactory, OrganizationFactory, ProjectFactory, UserFactory
from .conftest import chromium, log_in, new_context, require_browser


def identity_in(key_file: Path) -> str:
    return next(line for line in key_file.read_text().splitlines() if line.startswith("AGE-SECRET-KEY-1"))


SCRATCH = Path(tempfile.mkdtemp(prefix="kaibiao-e2e-"))


@pytest.mark.browser
@override_settings(KAIBIAO_SEALED_ROOT=SCRATCH / "sealed", KAIBIAO_RECEIPT_KEY_FILE=SCRATCH / "receipt-key.pem")
class SealedBidInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        self.center = CenterFactory()
        self.staff = UserFactory(role=Role.STAFF, center=self.center, username="staff")
        self.custodians = [UserFactory(role=Role.CUSTODIAN, username=f"custodian{i}") for i in range(3)]
        self.bidder = UserFactory(role=Role.BIDDER, organization=OrganizationFactory(name="南宁永江建设有限公司"), username="bidder")
        self.project = ProjectFactory(center=self.center, must_be_tendered=False, min_days_to_deadline=0)
        self.lot = LotFactory(project=self.project, number=1)

    def _publish(self):
        """Bidding opens (the foundation's publish is tested on its own; here it is set directly)."""
        Project.objects.filter(pk=self.project.pk).update(bid_deadline=timezone.now() + timedelta(hours=2),
                                                          documents_published_at=timezone.now())
        self.lot.state = LotState.PUBLISHED
        self.lot.save(update_fields=["state"])

    def test_bid_sealed_in_browser_uploads_gets_receipt_and_decrypts_after_deadline(self):
        plaintext = ("投标文件 " * 40000).encode() + bytes(range(256)) * 4000  # ~2.2 MB
        with chromium() as browser:
            base = self.live_server_url
            work = Path(self.settings_tmp())
            # 1. each custodian makes its own key in its own browser
            custodian_keys = {}
            for custodian in self.custodians:
                context = new_context(browser, accept_downloads=True)
                page = log_in(context, base, custodian.username)
                page.goto(f"{base}/custodian/")
                with page.expect_download() as download:
                    page.click("#generate-key")
                key_path = work / f"{custodian.username}.txt"
                download.value.save_as(key_path)
                page.wait_for_selector("#key-status:has-text('age1')")
                custodian_keys[custodian.pk] = key_path
                context.close()
            # 2. staff invite them (2 of 3) and deal the opening key in the browser
            context = new_context(browser)
            page = log_in(context, base, "staff")
            page.goto(f"{base}/work/projects/{self.project.pk}/sealing/")
            for custodian in self.custodians:
                page.check(f"input[name=custodians][value='{custodian.pk}']")
            page.fill("input[name=k]", "2")
            page.click("form[action$='/custodians/'] button[type=submit]")
            page.click("a[href$='/ceremony/']")
            page.click("#deal")
            # (a selector, not a JS predicate: the page's CSP forbids the eval a predicate needs)
            page.wait_for_selector("#ceremony-status:not(:empty)", timeout=90000)
            status = page.text_content("#ceremony-status")
            assert "age1" in status, f"the ceremony page says: {status}"
            context.close()
            ceremony = self.project.key_ceremony
            ceremony.refresh_from_db()
            assert ceremony.opening_recipient.startswith("age1")
            assert CustodianShare.objects.filter(ceremony=ceremony, sha256__regex=r"^[0-9a-f]{64}$").count() == 3
            rules_for(self.project)
            self._publish()
            # 3. the bidder generates its key, seals its opening form and file, uploads, gets the receipt
            bid_file = work / "投标文件.pdf"
            bid_file.write_bytes(plaintext)
            context = new_context(browser, accept_downloads=True)
            page = log_in(context, base, "bidder")
            page.goto(f"{base}/bids/lots/{self.lot.pk}/")
            assert "丢失" in page.content() or "lose" in page.content()  # the key-loss warning is shown before sealing
            with page.expect_download() as download:
                page.click("#generate-key")
            bidder_key = work / "bidder-key.txt"
            download.value.save_as(bidder_key)
            page.wait_for_selector("#key-status:has-text('age1')")
            page.fill("#item-price", "8765432.10")
            page.fill("#item-duration_days", "365")
            page.select_option("#item-quality", "合格")
            page.fill("#item-project_manager", "李工")
            page.set_input_files("#bid-files", str(bid_file))
            page.set_input_files("#key-file-check", str(bidder_key))
            with page.expect_download(timeout=60000) as download:
                page.click("#seal-upload")
            receipt_path = work / "receipt.json"
            download.value.save_as(receipt_path)
            context.close()
        # the receipt verifies, and names what was received
        document = json.loads(receipt_path.read_text())
        assert verify_receipt_document(document).valid
        body = document["receipt"]
        assert body["action"] == "submitted" and body["version"] == 1 and body["bidder"]["uscc"] == self.bidder.organization.uscc
        bid = Bid.objects.get(lot=self.lot, organization=self.bidder.organization, state="complete")
        stored = {f.name: f.sha256 for f in bid.files.all()}
        assert {f["name"]: f["sha256"] for f in body["files"]} == stored
        assert set(stored) == {"opening-form.json.age", "投标文件.pdf.age"}
        # 4. after the deadline: the bidder's key file opens it …
        Project.objects.filter(pk=self.project.pk).update(bid_deadline=timezone.now() - timedelta(seconds=1))
        self.project.refresh_from_db()
        self.lot.refresh_from_db()
        identity = opening_keys.check_bidder_identity(actor=self.bidder, lot=self.lot, identity=identity_in(bidder_key))
        form = SealedFile.objects.get(bid=bid, kind="form")
        opening_keys.decrypt_sealed_file(sealed=form, identity=identity, opened_with="bidder", actor=self.bidder)
        assert opening_keys.read_opening_form(form) == {"price": "8765432.10", "duration_days": 365, "quality": "合格",
                                                        "project_manager": "李工"}
        # … and so does the opening key rebuilt from 2 of the 3 custodians' shares
        for custodian in self.custodians[:2]:
            share = CustodianShare.objects.get(ceremony=ceremony, custodian=custodian)
            payload = decrypt_bytes(bytes(share.encrypted_share), identities=[identity_in(custodian_keys[custodian.pk])])
            opening_keys.hand_in_share(actor=custodian, project=self.project, payload=payload)
        opening = opening_keys.opening_identity(self.project)
        assert str(opening.recipient) == ceremony.opening_recipient
        big = SealedFile.objects.get(bid=bid, kind="file")
        opening_keys.decrypt_sealed_file(sealed=big, identity=opening, opened_with="opening", actor=self.staff)
        assert storage.path_of(big.opened_storage_name).read_bytes() == plaintext

    def settings_tmp(self):
        path = Path(tempfile.mkdtemp(dir=SCRATCH))
        self.addCleanup(shutil.rmtree, path, True)
        return path
