"""The error answers Django does not give in the site's own pages: a refused CSRF check and a
500 that must render even when the part of the platform that failed is the database."""

import sys

from django import db
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

# What a visitor sees if even the 500 page cannot be rendered (a broken template or URLconf).
PLAIN_500 = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>系统出现错误</title>'
    "</head><body><main><h1>系统出现错误</h1><p>页面暂时无法显示，请稍后重试。</p>"
    '<p><a href="/">返回首页</a></p></main></body></html>'
)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """`CSRF_FAILURE_VIEW`: the form was posted from a page that expired (or without the
    cookie); say so in the site's layout and lead back, instead of Django's English page."""
    return render(request, "403_csrf.html", status=403)


# Seconds a visitor is asked to wait when the database did not answer (it restarts in about so
# long); the header tells clients of the API the same.
RETRY_AFTER_SECONDS = 60


def _database_unavailable() -> bool:
    """Whether the error being handled is the database going away (restarted, connection ended
    by an administrator, unreachable), rather than a fault of the platform's own. Django calls
    `handler500` while handling the exception, so it is the one in sys.exc_info()."""
    error = sys.exc_info()[1]
    return isinstance(error, db.OperationalError | db.InterfaceError)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: the page is rendered without a request context (no context processors,
    so no database query for the menu or the unread count), and if even that fails, a fixed
    page in Chinese is returned rather than a bare server error. When the database is what
    failed, the answer is 503 (try again shortly); the transaction in progress went with its
    connection, so nothing of it was saved."""
    unavailable = _database_unavailable()
    try:
        content = loader.get_template("503.html" if unavailable else "500.html").render()
    except Exception:  # the error page must not raise whatever broke
        content = PLAIN_500
    if unavailable:
        response = HttpResponse(content, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(content)
