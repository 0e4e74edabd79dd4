"""The build of the offline app: which files and pages the service worker keeps, and its
version (a hash of those files)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Flask, url_for

#: the service worker's source; ``"__CDT_BUILD__"`` is replaced by the build when served
SW_SOURCE = "js/sw.js"
#: static files precached by the service worker (globs under static/)
SHELL_GLOBS = ("css/*.css", "js/*.js", "icons/*.png", "manifest.webmanifest")
#: pages kept for offline use: the forms and what leads to them (endpoints that exist only);
#: the page JS refreshes them whenever it runs online
OFFLINE_PAGES = (
    "main.home",
    "sync.index",
    "sync.offline",
    "households.index",
    "households.new",
    "visits.new",
    "visits.mine",
)


def _shell_files(static: Path) -> list[Path]:
    files: set[Path] = set()
    for pattern in SHELL_GLOBS:
        files.update(path for path in static.glob(pattern) if path.is_file())
    files.discard(static / SW_SOURCE)
    return sorted(files)


def offline_pages(app: Flask) -> list[str]:
    return [url_for(endpoint) for endpoint in OFFLINE_PAGES if endpoint in app.view_functions]


def build(app: Flask) -> dict:
    """{"version", "shell": [urls], "pages": [urls]}; the version changes with any file."""
    static = Path(app.static_folder or "static")
    files = _shell_files(static)
    pages = offline_pages(app)
    digest = hashlib.sha256()
    for path in [static / SW_SOURCE, *files]:
        digest.update(str(path.relative_to(static)).encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps(pages).encode())
    shell = [url_for("static", filename=str(path.relative_to(static))) for path in files]
    return {"version": digest.hexdigest()[:12], "shell": shell, "pages": pages}


def service_worker_source(app: Flask) -> str:
    static = Path(app.static_folder or "static")
    source = (static / SW_SOURCE).read_text(encoding="utf-8")
    return source.replace('"__CDT_BUILD__"', json.dumps(build(app), separators=(",", ":")), 1)
