"""Security headers on every response, cookie hardening and the reverse-proxy setting."""

from __future__ import annotations

import logging

from flask import Flask, request

#: no inline scripts or styles anywhere: templates use files under static/ only
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "form-action 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = (
    "geolocation=(self), camera=(), microphone=(), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)
SECURE_SESSION_COOKIE = "__Host-session"


def register_security_headers(app: Flask) -> None:
    _harden_cookies(app)
    _trust_proxies(app)
    _quiet_sql_logs()

    @app.after_request
    def add_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if response.mimetype == "application/json" and "charset" not in headers.get(
            "Content-Type", ""
        ):
            headers["Content-Type"] = "application/json; charset=utf-8"
        if request.endpoint != "static":
            # pages and API answers may hold personal data: no shared or browser cache keeps them
            headers.setdefault("Cache-Control", "no-store")
        return response


def _harden_cookies(app: Flask) -> None:
    """Over HTTPS the session cookie gets the ``__Host-`` prefix (Secure, Path=/, no Domain)."""
    config = app.config
    if config["SESSION_COOKIE_SECURE"] and config.get("SESSION_COOKIE_NAME") == "session":
        config["SESSION_COOKIE_NAME"] = SECURE_SESSION_COOKIE
        config["SESSION_COOKIE_PATH"] = "/"
        config["SESSION_COOKIE_DOMAIN"] = None


def _trust_proxies(app: Flask) -> None:
    """Behind CDT_TRUSTED_PROXIES reverse proxies, take the client address and scheme from
    X-Forwarded-For / X-Forwarded-Proto (needed for per-address limits and HSTS)."""
    hops = int(app.config.get("CDT_TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _quiet_sql_logs() -> None:
    """SQLAlchemy logs result rows at DEBUG (names, phones…): keep its loggers at WARNING even
    when the root logger is at DEBUG, unless an operator set their level on purpose. SQL
    parameters are hidden anyway (``hide_parameters`` in cdt_app.db)."""
    for name in ("sqlalchemy.engine", "sqlalchemy.orm"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)
