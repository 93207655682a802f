"""What a view does first: refuse a user without the right, and fetch an object within scope.

The rights themselves are each stage's (`<stage>/rules.py`); these helpers only apply them,
the same way on every page: 404 when the user may not know the object exists, 403 when they
see it but may not act.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse

from kernel.errors import Forbidden

T = TypeVar("T")


def require(check: Callable[[Any], bool]) -> Callable[..., Any]:
    """403 unless `check(request.user)` allows the view at all."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise Forbidden
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def object_for(
    request: HttpRequest,
    get: Callable[[Any, int], T],
    pk: int,
    check: Callable[[Any, T], bool],
    *,
    posted: Callable[[Any, T], bool] | None = None,
) -> T:
    """`get(user, pk)` (which answers 404 outside the user's scope), then 403 unless `check`.

    `posted` is the state-free right a POST is checked with instead of `check`: the service
    checks the state under its lock and says what changed. Otherwise a double click, or a
    colleague who acted first, would get a bare refusal for a right the user still has."""
    obj = get(request.user, pk)
    right = posted if posted is not None and request.method == "POST" else check
    if not right(request.user, obj):
        raise Forbidden
    return obj
