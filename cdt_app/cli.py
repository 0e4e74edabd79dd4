"""Command line: ``flask --app wsgi cdt …`` and ``flask --app wsgi translate …``."""

from __future__ import annotations

import subprocess  # noqa: S404 (runs pybabel, a fixed command)
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .config import ROOT
from .models.user import ROLES

cdt_cli = AppGroup("cdt", help="Các lệnh quản trị Sổ tay Tổ CNS.")
translate_cli = AppGroup("translate", help="Translation and localisation commands.")


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", current_app.config["CDT_DATABASE_URL"])
    return config


@cdt_cli.command("migrate", help="Tạo hoặc nâng cấp cơ sở dữ liệu trong CDT_DATABASE_URL.")
def migrate_command() -> None:
    """Create or upgrade the schema of the database in CDT_DATABASE_URL."""
    from alembic import command

    from .db import new_session
    from .skills.seed import seed_skills

    command.upgrade(alembic_config(), "head")
    with new_session() as session:
        added = seed_skills(session)
        session.commit()
    if added:
        click.echo(
            "Cơ sở dữ liệu đã ở phiên bản mới nhất; "
            f"đã thêm {added} nội dung hướng dẫn vào danh mục."
        )
    else:
        click.echo(
            "Cơ sở dữ liệu đã ở phiên bản mới nhất; danh mục nội dung hướng dẫn không thay đổi."
        )


@cdt_cli.command(
    "import-places",
    help="Nhập đơn vị từ tệp CSV hoặc Excel, cột: mã, tên, loại, mã đơn vị cấp trên, "
    "số hộ theo kế hoạch (code,name,kind,parent_code,target_households).",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_places_command(file: Path) -> None:
    """Import places from CSV or XLSX (code,name,kind,parent_code,target_households)."""
    from .db import new_session
    from .places.importer import ImportRefused, import_places, read_rows

    with new_session() as session:
        try:
            result = import_places(session, None, read_rows(file.name, file.read_bytes()))
        except ImportRefused as refused:
            session.rollback()
            for line, reason in refused.errors:
                click.echo(f"Dòng {line}: {reason}" if line else reason, err=True)
            click.echo("Không nhập gì: hãy sửa các lỗi trên rồi nhập lại.", err=True)
            sys.exit(1)
        session.commit()
    click.echo(f"Đã nhập: {result.created} mới, {result.updated} cập nhật.")


@cdt_cli.command(
    "import-provinces",
    help="Nhập một tỉnh/thành phố và các xã, phường, đặc khu của nó từ gói vietnam-provinces.",
)
@click.option(
    "--province", "province_code", required=True, help="Mã tỉnh/thành phố của GSO, ví dụ 68."
)
def import_provinces_command(province_code: str) -> None:
    """Import a province and its communes from the optional vietnam-provinces package."""
    from .db import new_session
    from .places.importer import ImportRefused, import_places
    from .places.provinces import (
        ProvincesUnavailable,
        UnknownProvince,
        official_rows,
        package_version,
    )

    try:
        rows = official_rows(province_code)
    except ProvincesUnavailable:
        click.echo(
            "Chưa cài gói vietnam-provinces (giấy phép GPL-3.0, là phần tùy chọn). "
            "Hãy cài bằng: pip install -e '.[provinces]'",
            err=True,
        )
        sys.exit(2)
    except UnknownProvince as unknown:
        click.echo(f"Không có tỉnh/thành phố mã {province_code}. Các mã hợp lệ:", err=True)
        click.echo("\n".join(unknown.choices), err=True)
        sys.exit(1)
    with new_session() as session:
        try:
            result = import_places(session, None, rows)
        except ImportRefused as refused:
            session.rollback()
            for line, reason in refused.errors:
                click.echo(f"Mục {line}: {reason}" if line else reason, err=True)
            click.echo("Không nhập gì.", err=True)
            sys.exit(1)
        session.commit()
    click.echo(
        f"Đã nhập {rows[0][1]['name']} và {len(rows) - 1} xã/phường/đặc khu "
        f"({result.created} mới, {result.updated} cập nhật), "
        f"nguồn: vietnam-provinces {package_version()}."
    )


@cdt_cli.command(
    "create-user", help="Tạo một tài khoản (tài khoản quản trị đầu tiên, hoặc trong kịch bản)."
)
@click.option("--username", required=True, help="Tên đăng nhập.")
@click.option("--password", required=True, help="Mật khẩu.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(ROLES),
    help="Vai trò: volunteer (tổ viên), team_lead (tổ trưởng), coordinator (điều phối viên), "
    "staff (cán bộ), admin (quản trị).",
)
@click.option("--place", "place_code", required=True, help="Mã đơn vị của người dùng.")
@click.option("--name", "display_name", default="", help="Họ và tên.")
def create_user_command(username, password, role, place_code, display_name) -> None:
    """Create an account (for the first admin, and scripts)."""
    from sqlalchemy import select

    from .auditlog.wording import FIELD_LABELS
    from .db import new_session
    from .errors import ValidationError
    from .models import Place
    from .users.forms import role_labels
    from .users.services import UserInput, create_user
    from .values import clean_line

    username, place_code = clean_line(username), clean_line(place_code)
    with new_session() as session:
        place = session.scalar(
            select(Place).where(Place.code == place_code).order_by(Place.code_scheme)
        )
        if place is None:
            click.echo(f"Không tìm thấy đơn vị có mã {place_code}.", err=True)
            sys.exit(1)
        try:
            user = create_user(
                session,
                None,
                UserInput(
                    username=username,
                    display_name=display_name,
                    role=role,
                    place_id=place.id,
                    password=password,
                ),
            )
        except ValidationError as error:
            for field, message in error.errors.items():
                click.echo(f"{FIELD_LABELS.get(field, field)}: {message}", err=True)
            sys.exit(1)
        session.commit()
        click.echo(f"Đã tạo tài khoản {user.username} ({role_labels()[role]}) tại {place.name}.")


@cdt_cli.command("demo", help="Nạp dữ liệu minh họa (không bao giờ dùng trong production).")
@click.option(
    "--scale",
    type=click.Choice(["small", "province"]),
    default="small",
    help="small: năm xã trong một tháng; province: cả tỉnh (để đo hiệu năng).",
)
def demo_command(scale: str) -> None:
    """Load the demo data set (never in production)."""
    from .demo import load_demo

    if current_app.config["CDT_ENV"] == "production":
        click.echo("Không nạp dữ liệu minh họa trong môi trường production.", err=True)
        sys.exit(1)
    click.echo(load_demo(scale))


@cdt_cli.command("backup", help="Sao lưu nhất quán cơ sở dữ liệu SQLite khi ứng dụng đang chạy.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Consistent online backup of the SQLite database (PostgreSQL: use pg_dump)."""
    from .backup import BackupError, backup_sqlite

    url = current_app.config["CDT_DATABASE_URL"]
    if not url.startswith("sqlite"):
        click.echo("Với PostgreSQL, hãy dùng pg_dump (xem README).", err=True)
        sys.exit(1)
    try:
        backup_sqlite(url.split("///", 1)[1], file)
    except BackupError as error:
        click.echo(f"Bản sao bị lỗi khi kiểm tra ({error}); chưa sao lưu được.", err=True)
        sys.exit(1)
    click.echo(f"Đã sao lưu vào {file}.")


def _pybabel(*args: str) -> None:
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), *args], check=True, cwd=ROOT)  # noqa: S603


def _catalog_lock():
    """An exclusive lock on the catalog, so two developers' tools never interleave writes."""
    import fcntl

    handle = (ROOT / "translations" / ".lock").open("w")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


@translate_cli.command("extract")
def extract_command() -> None:
    """Extract messages into messages.pot and update translations/vi."""
    lock = _catalog_lock()  # noqa: F841 (held until the command ends)
    _pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "--no-wrap",
        "-o",
        "messages.pot",
        "cdt_app",
        "templates",
    )
    _pybabel(
        "update",
        "-i",
        "messages.pot",
        "-d",
        "translations",
        "--no-fuzzy-matching",
        "--no-wrap",
        "--ignore-obsolete",
    )


@translate_cli.command("fill")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def fill_command(file: Path) -> None:
    """(Developers) set Vietnamese translations from a JSON file {"msgid": "msgstr"}."""
    import json

    from babel.messages.pofile import read_po, write_po

    lock = _catalog_lock()  # noqa: F841 (held until the command ends)
    po_path = ROOT / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    filled = 0
    for msgid, msgstr in json.loads(file.read_text()).items():
        message = catalog.get(msgid)
        if message is None:
            click.echo(f"not in the catalog (run extract first): {msgid}", err=True)
            continue
        message.string = msgstr
        message.flags.discard("fuzzy")
        filled += 1
    with po_path.open("wb") as handle:
        write_po(handle, catalog, width=0, sort_output=True)
    missing = [m.id for m in catalog if m.id and not m.string]
    click.echo(f"{filled} filled; {len(missing)} still untranslated")
    for msgid in missing:
        click.echo(f"  {msgid}")


@translate_cli.command("compile")
def compile_command() -> None:
    """Build the .mo files."""
    _pybabel("compile", "-d", "translations")


@cdt_cli.command("make-migration")
@click.argument("message")
def make_migration_command(message: str) -> None:
    """(Developers) autogenerate a migration from the models against this database."""
    from alembic import command

    command.upgrade(alembic_config(), "head")
    command.revision(alembic_config(), message=message, autogenerate=True)
