from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ops.backup import backup_create
from ops.errors import BackupError


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files into one tar file with a manifest "
        "(engine, migrations, time, rows per table, size and SHA-256 of every file). "
        "PostgreSQL through pg_dump, SQLite through its online-backup API: the app may keep "
        "running. Restore with `manage.py restore`."
    )
    # A backup must be possible whatever state the code's checks are in.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "destination",
            nargs="?",
            default=str(Path(settings.BASE_DIR) / "var" / "backups") + "/",
            help="a folder (gets jiebang-<engine>-<time>.tar) or a file name; var/backups/ "
            "by default",
        )
        parser.add_argument("--database", default="default", help="the database alias")

    def handle(self, *args: Any, destination: str, database: str, **options: Any) -> None:
        try:
            manifest = backup_create(destination, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        totals = manifest["totals"]
        self.stdout.write(
            f"Backed up {totals['rows']} rows in {totals['tables']} tables "
            f"({manifest['database']['server_version']}) and {totals['files']} files "
            f"({totals['file_bytes']} bytes) to {manifest['written_to']}"
        )
