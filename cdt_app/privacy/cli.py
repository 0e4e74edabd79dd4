"""``flask --app wsgi cdt apply-retention``: erase personal data kept longer than allowed."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command(
    "apply-retention",
    help="Xóa thông tin cá nhân của các hộ không có hoạt động lâu hơn CDT_RETENTION_DAYS ngày.",
)
@click.option("--dry-run", is_flag=True, help="Chỉ đếm số hộ sẽ bị xóa thông tin, không xóa.")
@with_appcontext
def apply_retention_command(dry_run: bool) -> None:
    """Anonymise households whose last activity is older than CDT_RETENTION_DAYS."""
    from ..db import new_session
    from .services import anonymise_household, expired_households, retention_cutoff

    days = int(current_app.config.get("CDT_RETENTION_DAYS") or 0)
    if days <= 0:
        click.echo("CDT_RETENTION_DAYS chưa được đặt (0): không xóa gì.")
        return
    cutoff = retention_cutoff(days)
    total = 0
    with new_session() as session:
        while True:
            batch = expired_households(session, cutoff)
            if not batch:
                break
            if dry_run:
                total = len(expired_households(session, cutoff, limit=10**9))
                session.rollback()
                break
            for household in batch:
                anonymise_household(session, None, household, reason="retention")
            session.commit()
            total += len(batch)
    verb = "Sẽ xóa" if dry_run else "Đã xóa"
    click.echo(f"{verb} thông tin cá nhân của {total} hộ không có hoạt động trong {days} ngày.")
