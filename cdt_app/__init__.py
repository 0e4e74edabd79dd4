"""Sổ tay Tổ Công nghệ số cộng đồng: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

from .config import ROOT


def create_app(config: dict | None = None) -> Flask:
    """Build the app; ``config`` overrides settings read from the environment."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    register_config(app, config)
    register_input_guard(app)
    register_database(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_context(app)
    register_commands(app)
    return app


def register_config(app: Flask, config: dict | None) -> None:
    from .config import load_config

    app.config.update(load_config(Path(app.instance_path), config))


def register_input_guard(app: Flask) -> None:
    """No control character in any query string, form, JSON body or URL part; JSON nested
    too deeply is malformed (cdt_app.safety)."""
    from .safety import guard_input

    guard_input(app)


def register_database(app: Flask) -> None:
    """The engine and the per-context session; every session keeps the per-village coverage
    aggregates in step with its writes, in the same transaction."""
    from sqlmodel import Session

    from . import db
    from .reports.upkeep import register_aggregate_upkeep

    db.init_app(app)
    register_aggregate_upkeep(Session)


def register_extensions(app: Flask) -> None:
    from .auth.session import init_login
    from .extensions import babel, compress, csrf, limiter
    from .i18n import select_locale

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    init_login(app)
    if app.config["CDT_COMPRESS"]:
        compress.init_app(app)


class DatabaseIntConverter(IntegerConverter):
    """``<int:…>`` limited to what an INTEGER column holds: a larger id is a 404, not a
    PostgreSQL "integer out of range" error."""

    def __init__(self, url_map, *args, **kwargs):
        from .db import MAX_ID

        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIntConverter
    from .auth.views import bp as auth_bp
    from .main.views import bp as main_bp
    from .places.views import bp as places_bp
    from .users.views import bp as users_bp

    for blueprint in (main_bp, auth_bp, places_bp, users_bp):
        app.register_blueprint(blueprint)

    from .households.views import bp as households_bp
    from .skills.views import bp as skills_bp
    from .visits.views import bp as visits_bp

    for blueprint in (households_bp, visits_bp, skills_bp):
        app.register_blueprint(blueprint)

    from .api import api_blueprint
    from .sync.views import bp as sync_bp

    for blueprint in (api_blueprint(), sync_bp):
        app.register_blueprint(blueprint)

    from .reports.views import bp as reports_bp

    app.register_blueprint(reports_bp)
    from .indicators.views import bp as indicators_bp

    app.register_blueprint(indicators_bp)

    from .activity.views import bp as activity_bp
    from .auditlog.views import bp as auditlog_bp
    from .review.views import bp as review_bp

    for blueprint in (review_bp, activity_bp, auditlog_bp):
        app.register_blueprint(blueprint)

    from .privacy.views import bp as privacy_bp

    app.register_blueprint(privacy_bp)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register_error_pages

    register_error_pages(app)


def register_request_hooks(app: Flask) -> None:
    from .security import register_security_headers

    register_security_headers(app)


def register_template_context(app: Flask) -> None:
    import sys

    from flask_babel import get_locale
    from flask_login import current_user

    from . import permissions
    from .i18n import register_template_helpers
    from .main.navigation import navigation_for

    register_template_helpers(app)

    @app.context_processor
    def inject_globals() -> dict:
        return {
            # no number on an error page: the request's session may be what failed
            "navigation": navigation_for(current_user, counts=sys.exc_info()[0] is None),
            "demo_mode": app.config["CDT_DEMO"],
            "get_locale": get_locale,
            "permissions": permissions,
        }


def register_commands(app: Flask) -> None:
    from .cli import cdt_cli, translate_cli
    from .privacy.cli import apply_retention_command

    cdt_cli.add_command(apply_retention_command)
    app.cli.add_command(cdt_cli)
    app.cli.add_command(translate_cli)
