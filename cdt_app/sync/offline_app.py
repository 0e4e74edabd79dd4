"""The build of the offline app: which files and pages the service worker keeps, and its
version (a hash of those files)."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

from flask import Flask, url_for

#: the household of the blank visit form (GET /sync/visit-form), filled in by the page JS
BLANK_HOUSEHOLD_ID = uuid.UUID(int=0)
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
    "sync.visit_form",
    "households.index",
    "households.new",
    "visits.new",
    "visits.mine",
)
#: offline, a page asked with this query parameter is served from another kept page:
#: the visit form of any household is the blank visit form that the page JS fills in
ALIASES = (("visits.new", "household", "sync.visit_form"),)


def _shell_files(static: Path) -> list[Path]:
    files: set[Path] = set()
    for pattern in SHELL_GLOBS:
        files.update(path for path in static.glob(pattern) if path.is_file())
    files.discard(static / SW_SOURCE)
    return sorted(files)


def offline_pages(app: Flask) -> list[str]:
    return [url_for(endpoint) for endpoint in OFFLINE_PAGES if endpoint in app.view_functions]


def build(app: Flask) -> dict:
    """The service worker's build: version, shell files, pages kept, aliases, offline page.

    The version is a hash of all the rest, so it changes with any file.
    """
    static = Path(app.static_folder or "static")
    files = _shell_files(static)
    result = {
        "shell": [url_for("static", filename=str(path.relative_to(static))) for path in files],
        "pages": offline_pages(app),
        "alias": [
            [url_for(source), parameter, url_for(target)]
            for source, parameter, target in ALIASES
            if source in app.view_functions and target in app.view_functions
        ],
        "offline": url_for("sync.offline"),
    }
    digest = hashlib.sha256(json.dumps(result, sort_keys=True).encode())
    for path in [static / SW_SOURCE, *files]:
        digest.update(path.read_bytes())
    return {"version": digest.hexdigest()[:12], **result}


def service_worker_source(app: Flask) -> str:
    static = Path(app.static_folder or "static")
    source = (static / SW_SOURCE).read_text(encoding="utf-8")
    return source.replace('"__CDT_BUILD__"', json.dumps(build(app), separators=(",", ":")), 1)
