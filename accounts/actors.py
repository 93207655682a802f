"""The types a user comes as: whoever makes a request, and a request known to be signed in."""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from accounts.models import User

# Whoever acts: a user of the project, nobody signed in (the public pages), or nobody at all
# (None: the system itself, e.g. a periodic job).
Actor = User | AnonymousUser | None


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind `login_required`: its user is one of ours."""

    user: User
