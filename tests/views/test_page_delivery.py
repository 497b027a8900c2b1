"""How pages travel: compressed for a browser that accepts gzip, one style sheet in the head and
every script deferred, so the first paint waits for one CSS file and nothing else.

What a user notices of the deferred scripts (the pages still work) is the browser tests' part
(tests/browser/); the Lighthouse figures are bench/lighthouse.py's.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from lmp.static_bundle import BUNDLE, PARTS
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def license_page(administrator_client, complete_license):
    for number in range(40):
        make_customer(license=complete_license, legal_name=f"Customer {number:03d} Dental")
    return reverse("licenses:license_detail", kwargs={"pk": complete_license.pk})


def test_a_page_is_gzip_compressed_for_a_browser_that_accepts_it(
    administrator_client, license_page
):
    plain = administrator_client.get(license_page)
    packed = administrator_client.get(
        license_page, headers={"accept-encoding": "gzip, deflate, br"}
    )
    assert plain.status_code == packed.status_code == 200
    assert not plain.has_header("Content-Encoding")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = gzip.decompress(packed.content).decode()
    assert "Customer 039 Dental" in html and html.rstrip().endswith("</html>")
    assert len(packed.content) < len(plain.content) / 4


def test_the_head_has_one_style_sheet_and_every_script_is_deferred(
    administrator_client, license_page
):
    html = administrator_client.get(license_page).text
    head = html.split("</head>", 1)[0]
    assert re.findall(r'<link rel="stylesheet"[^>]*>', head) == [
        f'<link rel="stylesheet" href="/static/{BUNDLE}">'
    ]
    scripts = re.findall(r"<script\b[^>]*\bsrc=[^>]*>", html)
    assert len(scripts) >= 3  # Bootstrap, htmx, the license page's own
    assert [s for s in scripts if " defer" not in s] == []


def test_the_bundle_holds_every_part_in_order_with_the_icon_fonts_found():
    path = finders.find(BUNDLE)
    assert path, "the bundle finder is in STATICFILES_FINDERS"
    text = Path(path).read_text()
    starts = [text.index(f"/* {part} */") for part in PARTS]
    assert starts == sorted(starts)
    assert "sourceMappingURL" not in text
    fonts = re.findall(r'url\("(\.\./vendor/bootstrap-icons/fonts/[^"?]+)', text)
    assert len(fonts) == 2
    for font in fonts:  # relative to css/, where the bundle is
        assert finders.find(font.removeprefix("../")), font


def test_an_excel_export_is_not_compressed_again_and_keeps_its_length(
    administrator_client, complete_license
):
    """An .xlsx is a zip already: gzip would cost CPU for nothing and lose Content-Length (the
    browser's download progress)."""
    make_customer(license=complete_license, legal_name="Maple Leaf Dental Group")
    url = reverse("licenses:license_export", kwargs={"pk": complete_license.pk})
    response = administrator_client.get(url, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"PK") and int(response["Content-Length"]) == len(body)
