"""The demo's logins, printed in the README."""

DEMO_PASSWORD = "jiebang-demo-2026"  # noqa: S105 (demo logins are printed in the README)
