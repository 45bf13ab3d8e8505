"""The committee's bid files: each opened bid's decrypted files listed, a PDF shown in the page
(framed by this site only), any file downloaded exactly as decrypted; only the seated members of
that lot's committee, after its opening; each file served audited with who, which and when."""

import pytest
from django.test import Client
from django.urls import reverse

from bidding.choices import HallState
from bidding.models import OpeningHall, SealedFile
from evaluation.choices import MemberState
from tests.evaluation.reviewing import reviewing, sealed_root  # noqa: F401 - a fixture
from trading import event_text
from trading.choices import LotState
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def r(sealed_root):  # noqa: F811
    return reviewing(bidders=2)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def files_of(r, name_end):
    return SealedFile.objects.filter(bid__lot=r.lot, kind="file", name__endswith=name_end).order_by("bid__opening__order")


def urls(r, sealed):
    args = [r.lot.pk, sealed.pk]
    return {"list": reverse("evaluation:bid_files", args=[r.lot.pk]), "page": reverse("evaluation:bid_file", args=args),
            "inline": reverse("evaluation:bid_file_inline", args=args),
            "download": reverse("evaluation:bid_file_download", args=args)}


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_member_lists_each_opened_bids_files_with_name_and_size(r):
    text = client_for(r.user(2)).get(reverse("evaluation:bid_files", args=[r.lot.pk])).content.decode()
    for bid in r.bids:
        assert bid["bidder"] in text
        for name, plaintext in r.files[bid["id"]].items():
            assert name in text
            assert f"{len(plaintext):,}" in text
    pdf = files_of(r, ".pdf").first()
    assert f'href="{urls(r, pdf)["page"]}"' in text and f'href="{urls(r, pdf)["download"]}"' in text
    zipped = files_of(r, ".zip").first()
    # not a PDF: to download only
    assert f'href="{urls(r, zipped)["download"]}"' in text and f'href="{urls(r, zipped)["page"]}"' not in text


def test_a_pdf_is_shown_in_the_page_framed_by_this_site_only(r):
    pdf = files_of(r, ".pdf").first()
    client = client_for(r.user(1))
    page = client.get(urls(r, pdf)["page"])
    assert page.status_code == 200
    assert f'<iframe class="bid-file-frame" src="{urls(r, pdf)["inline"]}"' in page.content.decode()
    # the page itself may frame its own origin (the site's CSP: default-src 'self', no frame-src)
    policy = page["Content-Security-Policy"]
    assert "frame-src" not in policy and "default-src 'self'" in policy and page["X-Frame-Options"] == "DENY"
    inline = client.get(urls(r, pdf)["inline"])
    assert inline.status_code == 200
    assert inline["Content-Type"] == "application/pdf"
    assert inline["Content-Disposition"].startswith("inline")
    assert inline["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in inline["Content-Security-Policy"]
    assert "default-src 'none'" in inline["Content-Security-Policy"]
    assert inline["X-Content-Type-Options"] == "nosniff" and "no-store" in inline["Cache-Control"]
    assert body(inline) == r.files[pdf.bid_id]["技术标.pdf"]


def test_any_file_downloads_exactly_as_decrypted(r):
    for sealed in SealedFile.objects.filter(bid__lot=r.lot, kind="file"):
        response = client_for(r.user(0)).get(urls(r, sealed)["download"])
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment")
        assert body(response) == r.files[sealed.bid_id][sealed.name]


def test_a_file_not_a_pdf_is_not_shown_in_the_page(r):
    zipped = files_of(r, ".zip").first()
    assert client_for(r.user(0)).get(urls(r, zipped)["inline"]).status_code == 404


def test_each_file_served_is_audited_with_who_which_and_how(r):
    pdf = files_of(r, ".pdf").first()
    client = client_for(r.user(3))
    client.get(urls(r, pdf)["list"])
    client.get(urls(r, pdf)["page"])
    assert not AuditEvent.objects.filter(action="evaluation.bid_file_read").exists()  # nothing of a file served yet
    body(client.get(urls(r, pdf)["inline"]))
    body(client.get(urls(r, pdf)["download"]))
    viewed, downloaded = AuditEvent.objects.filter(action="evaluation.bid_file_read").order_by("seq")
    for event, how in ((viewed, "viewed"), (downloaded, "downloaded")):
        assert event.actor_id == r.user(3).pk and event.object_id == str(pdf.pk)
        assert event.data == {"bidder": pdf.bid.organization.name, "bid": pdf.bid_id, "file": "技术标.pdf",
                              "size": pdf.opened_size, "how": how}
    assert event_text.action_name("evaluation.bid_file_read") != "evaluation.bid_file_read"
    assert event_text.unlabelled_keys("evaluation.bid_file_read", viewed.data) == []


def test_nobody_but_the_lots_seated_members_reads_them(r, sealed_root):  # noqa: F811
    other = reviewing(bidders=1)
    pdf = files_of(r, ".pdf").first()
    people = r.opened.people
    recused = r.members[4]
    recused.state = MemberState.RECUSED
    recused.save()
    refused = {
        "center staff": r.opened.staff, "other center's staff": people["other_center_staff"],
        "city supervisor": people["city_supervisor"], "province supervisor": people["province_supervisor"],
        "the bidder itself": r.bidders[0], "another bidder": people["bidder"], "the tenderee": people["tenderee"],
        "an expert not drawn": people["expert"], "a member of another lot's committee": other.user(0),
        "a recused member": recused.expert.user,
    }
    for who, user in refused.items():
        client = client_for(user)
        for name, url in urls(r, pdf).items():
            response = client.get(url)
            assert response.status_code in (403, 404), (who, name, response.status_code)
            assert r.files[pdf.bid_id]["技术标.pdf"] not in body(response), (who, name)
    for name, url in urls(r, pdf).items():
        assert Client().get(url).status_code == 302, name  # the public: to the log-in
    assert not AuditEvent.objects.filter(action="evaluation.bid_file_read").exists()
    # another lot's file through this lot's address: not found, even for this lot's member
    foreign = SealedFile.objects.filter(bid__lot=other.lot, kind="file").first()
    assert client_for(r.user(0)).get(urls(r, foreign)["download"]).status_code == 404


def test_not_before_the_opening_has_ended_nor_after_the_evaluation(r):
    pdf = files_of(r, ".pdf").first()
    client = client_for(r.user(0))
    OpeningHall.objects.filter(lot=r.lot).update(state=HallState.CONFIRMING)
    assert client.get(urls(r, pdf)["download"]).status_code == 403
    assert client.get(urls(r, pdf)["list"]).status_code == 403
    OpeningHall.objects.filter(lot=r.lot).update(state=HallState.ENDED)
    assert client.get(urls(r, pdf)["download"]).status_code == 200
    type(r.lot).objects.filter(pk=r.lot.pk).update(state=LotState.PUBLICITY)
    assert client.get(urls(r, pdf)["download"]).status_code == 403


def test_a_bid_that_did_not_open_has_no_files_here(r):
    first = r.bids[0]["id"]
    from bidding.models import BidOpening

    BidOpening.objects.filter(bid_id=first).update(outcome="revoked")
    text = client_for(r.user(0)).get(reverse("evaluation:bid_files", args=[r.lot.pk])).content.decode()
    assert r.bids[0]["bidder"] not in text and r.bids[1]["bidder"] in text
    pdf = files_of(r, ".pdf").filter(bid_id=first).first()
    assert client_for(r.user(0)).get(urls(r, pdf)["download"]).status_code == 404
