"""Run manage.py with the clock moved on (the browser tests' controllable clock).

    python tests/browser/travel_manage.py 2027-12-03 runserver 127.0.0.1:8123 --noreload

time-machine moves every clock of the process (datetime, time, timezone.now) to the given
day, and lets it tick from there, so the app behaves as it will on that day.
"""

import runpy
import sys
from pathlib import Path

import time_machine

MANAGE = Path(__file__).resolve().parents[2] / "manage.py"

if __name__ == "__main__":
    destination = sys.argv.pop(1)
    sys.argv[0] = str(MANAGE)
    # As `python manage.py` would: the project's root first on the path, not this folder.
    sys.path[0] = str(MANAGE.parent)
    with time_machine.travel(destination, tick=True):
        runpy.run_path(str(MANAGE), run_name="__main__")
