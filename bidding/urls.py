"""The bidding floor's URLs: bid pages, uploads, receipts, custodians' keys, the sealing set-up, the opening hall."""

from django.urls import path

from . import hall_views, receipt_views, upload_views, views

app_name = "bidding"

urlpatterns = [
    path("bids/", views.my_bids, name="my_bids"),
    path("bids/lots/<int:lot_id>/", views.bid_page, name="bid_page"),
    path("bids/lots/<int:lot_id>/sealing.json", views.sealing_params, name="sealing_params"),
    path("bids/lots/<int:lot_id>/key/", views.register_key, name="register_key"),
    path("bids/lots/<int:lot_id>/versions/", upload_views.start_version, name="start_version"),
    path("bids/lots/<int:lot_id>/withdraw/", views.withdraw, name="withdraw"),
    path("bids/uploads/<uuid:file_id>", upload_views.upload, name="upload"),
    path("bids/receipts/<uuid:receipt_id>/", receipt_views.receipt_page, name="receipt_page"),
    path("bids/receipts/<uuid:receipt_id>.json", receipt_views.receipt_download, name="receipt"),
    path("bids/receipts/<uuid:receipt_id>.pdf", receipt_views.receipt_pdf, name="receipt_pdf"),
    path("bids/sealed/<uuid:file_id>", views.sealed_download, name="sealed_download"),
    path("custodian/", views.custodian_home, name="custodian"),
    path("custodian/key/", views.custodian_register_key, name="custodian_key"),
    path("work/projects/<int:pk>/sealing/", views.sealing_setup, name="sealing_setup"),
    path("work/projects/<int:pk>/custodians/", views.invite_custodians, name="invite_custodians"),
    path("work/projects/<int:pk>/ceremony/", views.ceremony, name="ceremony"),
    path("work/lots/<int:lot_id>/security/", views.record_security, name="record_security"),
    path("halls/<int:lot_id>/", hall_views.hall_page, name="hall"),
    path("halls/<int:lot_id>/record.pdf", hall_views.hall_record, name="hall_record"),
    path("halls/<int:lot_id>/my-share.age", hall_views.hall_share, name="hall_share"),
    path("receipts/verify/", receipt_views.receipt_verify, name="receipt_verify"),
    path("receipts/public-key.pem", receipt_views.receipt_public_key, name="receipt_public_key"),
]
