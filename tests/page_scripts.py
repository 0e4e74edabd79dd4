"""The JavaScript a page loads: its module scripts and, transitively, their static imports.

A dynamic ``import()`` is not followed: static/js/offline-forms.js loads form-fill.js that way
only on a page kept on the phone (served from its cache) or for a record to fix.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

MODULE_SCRIPT = re.compile(r'<script type="module" src="([^"]+)"></script>')
STATIC_IMPORT = re.compile(r'^import\s(?:[^"\';]*?\sfrom\s)?"([^"]+)";', re.M)


def page_scripts(client, html: str) -> dict[str, bytes]:
    """{url: body} of every script the page runs; classic scripts are not expected."""
    assert "<script" not in MODULE_SCRIPT.sub("", html), "every script is a module"
    todo, found = MODULE_SCRIPT.findall(html), {}
    while todo:
        url = todo.pop()
        if url not in found:
            response = client.get(url)
            assert response.status_code == 200, url
            found[url] = response.data
            todo += [urljoin(url, name) for name in STATIC_IMPORT.findall(response.text)]
    return found
