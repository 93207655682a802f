from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ops.backup import backup_check, backup_restore
from ops.errors import BackupError


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` onto this installation: its database "
        "(same engine, empty: no tables) and its uploads storage (empty). The whole backup is "
        "checked against its manifest first; nothing is written if any file differs. "
        "--force replaces a database that is not empty and overwrites files of the same name."
    )
    # A new machine restores before anything else: the code's checks may not pass yet.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("backup", help="the .tar file written by manage.py backup")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace everything in a database that is not empty, and overwrite "
            "uploaded files of the same name",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="only check the backup against its manifest; restore nothing",
        )
        parser.add_argument("--database", default="default", help="the database alias")

    def handle(
        self, *args: Any, backup: str, force: bool, check: bool, database: str, **options: Any
    ) -> None:
        try:
            if check:
                manifest = backup_check(Path(backup))
            else:
                manifest = backup_restore(Path(backup), using=database, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        totals = manifest["totals"]
        done = "is whole" if check else "restored"
        self.stdout.write(
            f"Backup of {manifest['created_at']} {done}: {totals['rows']} rows in "
            f"{totals['tables']} tables and {totals['files']} files."
        )
        if manifest.get("pending_migrations"):
            self.stdout.write(
                f"It predates {len(manifest['pending_migrations'])} migrations of this "
                "release: run `manage.py migrate` now."
            )
