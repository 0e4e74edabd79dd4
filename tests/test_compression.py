"""The app compresses its own answers (CDT_COMPRESS, Flask-Compress) so that `make run` or a bare
gunicorn meets the first-load budget of DESIGN section 9 as transferred bytes, without a proxy:
pages, CSS, JS and JSON are compressed, the exports are not (a CSV streams row by row, an XLSX
is a zip already), and a static file still answers 304 to its ETag."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

from tests.factories import make_household, make_user
from tests.page_scripts import page_scripts

#: what Chrome offers over plain HTTP (a commune's server) and over HTTPS
PLAIN_HTTP = "gzip, deflate"
HTTPS = "gzip, deflate, br, zstd"
BUDGET = 60 * 1024


def _decode(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    raw = response.get_data()
    if encoding == "gzip":
        return gzip.decompress(raw)
    if encoding == "br":
        return brotli.decompress(raw)
    assert encoding is None, encoding
    return raw


def _first_load(client, url: str, accept: str) -> dict[str, tuple[int, int, str | None]]:
    """{url: (transferred bytes, decoded bytes, encoding)} of the page, its CSS and its JS."""
    plain = client.get(url)
    assert plain.status_code == 200
    urls = [url, *re.findall(r'href="(/static/[^"]+\.css)"', plain.text)]
    urls += list(page_scripts(client, plain.text))
    sizes = {}
    for each in urls:
        response = client.get(each, headers={"Accept-Encoding": accept})
        assert response.status_code == 200, each
        # the browser reads the same bytes, whatever the encoding (a form's new id changes)
        body, again = _decode(response), client.get(each).get_data()
        assert body == again or (each == url and len(body) == len(again)), each
        assert "Accept-Encoding" in response.headers.get("Vary", ""), each
        if each == url:
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
            assert response.headers["Cache-Control"] == "no-store"
        sizes[each] = (
            len(response.get_data()),
            len(plain.data) if each == url else len(client.get(each).data),
            response.headers.get("Content-Encoding"),
        )
    return sizes


@pytest.fixture
def volunteer_world(make_world):
    world = make_world(
        people={"volunteer": ("volunteer", "village_a1", "tn")},
        households={"household": ("village_a1", "volunteer", "Đỗ Văn Hải", {"members": 3})},
    )
    return world


@pytest.mark.parametrize("accept", [PLAIN_HTTP, HTTPS])
def test_the_visit_form_first_load_is_within_the_budget_as_transferred(
    client, auth, db, volunteer_world, accept
):
    """DESIGN section 9: the visit form's first load (HTML, CSS, JS and the offline data it
    fetches) ≤ 60 KB as sent over the wire by the app alone, with or without brotli."""
    world = volunteer_world
    for n in range(60):
        make_household(db, world.tree["village_a1"], world["volunteer"], f"Nguyễn Văn Hộ {n}")
    auth.login("tn")
    sizes = _first_load(client, f"/visits/new?household={world['household'].id}", accept)
    data = client.get("/api/v1/offline-data", headers={"Accept-Encoding": accept})
    full = len(client.get("/api/v1/offline-data").get_data())
    sizes["/api/v1/offline-data"] = (len(data.get_data()), full, data.headers["Content-Encoding"])
    transferred = sum(sent for sent, _, _ in sizes.values())
    decoded = sum(full for _, full, _ in sizes.values())
    # everything but tiny files went compressed, and it made a difference
    big = [each for each, (sent, full, _) in sizes.items() if full > 1024]
    assert big and all(sizes[each][2] in ("gzip", "br") for each in big), sizes
    assert transferred <= BUDGET, (transferred, sizes)
    assert transferred < decoded / 2, (transferred, decoded)
    print(f"\nvisit form first load ({accept}): {transferred} B sent, {decoded} B decoded")


def test_static_files_keep_their_etag_and_answer_304(client):
    url = "/static/css/app.css"
    first = client.get(url, headers={"Accept-Encoding": PLAIN_HTTP})
    assert first.headers["Content-Encoding"] == "gzip"
    etag = first.headers["ETag"]
    # the compressed copy has its own validator, so no cache mixes the two
    assert etag != client.get(url).headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": PLAIN_HTTP, "If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data()
    plain = client.get(url, headers={"If-None-Match": client.get(url).headers["ETag"]})
    assert plain.status_code == 304


def test_the_service_worker_and_json_are_compressed(client, auth, volunteer_world):
    sw = client.get("/sw.js", headers={"Accept-Encoding": PLAIN_HTTP})
    assert sw.headers["Content-Encoding"] == "gzip"
    assert sw.headers["Service-Worker-Allowed"] == "/"
    assert _decode(sw) == client.get("/sw.js").get_data()


def test_nothing_is_compressed_unless_the_browser_asks(client, auth, volunteer_world):
    auth.login("tn")
    for url in ("/", "/static/css/app.css", "/api/v1/offline-data"):
        assert "Content-Encoding" not in client.get(url).headers, url
        identity = client.get(url, headers={"Accept-Encoding": "identity"})
        assert "Content-Encoding" not in identity.headers, url


def test_exports_are_sent_as_they_are_and_still_stream(client, auth, db, volunteer_world):
    world = volunteer_world
    make_user(db, "staff", world.tree["province"], username="canbo")
    auth.login("canbo")
    for url in ("/reports/visits.csv", "/reports/coverage.csv", "/reports/coverage.xlsx"):
        response = client.get(url, headers={"Accept-Encoding": HTTPS}, buffered=False)
        assert response.status_code == 200, url
        assert "Content-Encoding" not in response.headers, url
        if url.endswith(".csv"):
            assert response.is_streamed, url
        response.close()


def test_compression_can_be_left_to_the_proxy(app_with):
    app = app_with(CDT_COMPRESS=False)
    client = app.test_client()
    for url in ("/login", "/static/css/app.css", "/sw.js"):
        response = client.get(url, headers={"Accept-Encoding": HTTPS})
        assert response.status_code == 200, url
        assert "Content-Encoding" not in response.headers, url
