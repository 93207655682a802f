"""kernel.warmup: what gunicorn's master builds once before forking the workers
(jiebang/gunicorn.conf.py, preload_app) — without opening a database connection, which the
forked workers would share."""

from django.db import connections
from django.template import engines

from kernel.warmup import template_names, warm


def test_warm_compiles_every_project_template_without_touching_the_database():
    # Not a database test: pytest-django refuses any query or connection here, so warm()
    # would fail if it touched the database.
    closed = [c.alias for c in connections.all() if c.connection is None]
    names = template_names()
    assert "base.html" in names and "tasks/dispatch/index.html" in names
    compiled = warm()
    assert compiled == len(names)
    assert [c.alias for c in connections.all() if c.connection is None] == closed
    # The cached loader now holds them: the next lookup is the same object.
    engine = engines["django"]
    first = engine.get_template("base.html").template  # type: ignore[attr-defined]
    assert engine.get_template("base.html").template is first  # type: ignore[attr-defined]


def test_gunicorn_preloads_and_warms_the_app():
    import runpy
    from pathlib import Path

    conf = runpy.run_path(str(Path(__file__).resolve().parent.parent / "jiebang/gunicorn.conf.py"))
    assert conf["preload_app"] is True
    assert callable(conf["when_ready"])
