"""What a new app-server process would otherwise do on its first requests, done once before the
workers are forked (gunicorn's preload_app, jiebang/gunicorn.conf.py).

A worker starts as a copy of the process that loaded the app; whatever that process built is
not built again by each worker, nor again each time a worker is recycled (max_requests). Three
things are built lazily by Django and cost a cold worker up to a tenth of a second on its first
pages: the URL resolver, the compiled templates (the cached loader keeps them per process) and
the translation catalogues. Nothing here opens a database connection: one opened before the
fork would be shared by every worker.
"""

from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import translation


def template_names() -> list[str]:
    """Every template of the project's own folders and of the installed apps' folders."""
    names: set[str] = set()
    for folder in engines["django"].template_dirs:
        root = Path(folder)
        if root.is_dir():
            names.update(str(p.relative_to(root)) for p in root.rglob("*.html"))
    return sorted(names)


def warm() -> int:
    """Build the URL resolver, compile every template and load the catalogues; the number of
    templates compiled."""
    get_resolver().url_patterns  # noqa: B018 (imports every view module)
    get_resolver()._populate()
    engine = engines["django"]
    compiled = 0
    with translation.override(settings.LANGUAGE_CODE):
        for name in template_names():
            try:
                engine.get_template(name)
            except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError):
                continue  # another engine's or a third party's file: compiled when used, if ever
            compiled += 1
    return compiled
