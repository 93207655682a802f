from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from accounts.models import Role
from demo.builder import DEMO_PASSWORD, USERS, build_demo
from demo.promotion_demo import LOGINS
from demo.tasks_demo import ZONE_USER


class Command(BaseCommand):
    help = "Load reference data and the demo (users, cycles, proposals); safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        # What the services write into the trail (notes, period names) reads in the
        # project's language, as when the users themselves act.
        with translation.override(settings.LANGUAGE_CODE):
            built = build_demo()
        if built:
            self.stdout.write(f"Demo loaded. Logins (password {DEMO_PASSWORD}):")
            for username, _name, role, *_rest in USERS:
                self.stdout.write(f"  {username:<12} {role.label}")
            self.stdout.write(f"  {ZONE_USER:<12} {Role.LOCALITY.label}")
            for username, role in LOGINS:
                self.stdout.write(f"  {username:<12} {role.label}")
        else:
            self.stdout.write("Demo already present.")
