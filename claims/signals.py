"""What claims tells the stages after it, without importing them (apps import downward only).

Each signal is sent by the service inside its transaction, so a receiver that fails rolls the
whole action back, and nothing is announced for an action that did not happen.
"""

from django.dispatch import Signal

# Sent by `claims.services.notices_issue` once the notices exist, with `programme` and `by`.
# Implementation (tasks) opens one task per claim on it.
notices_issued = Signal()
