import pytest
from django.urls import reverse

from tests.trading.factories import published_lot


@pytest.mark.django_db
def test_portal_lists_a_published_tender_in_chinese(client):
    lot = published_lot()
    page = client.get(reverse("reporting:portal"))
    assert page.status_code == 200
    assert lot.project.name in page.content.decode()
