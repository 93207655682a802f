"""A user's API token (接口令牌): issued, replaced and revoked by its owner only.

One token per user (DRF's `authtoken`). Issuing replaces the old one, so a token that leaked is
dead as soon as its owner asks for another. The key is never written to the audit trail.
"""

from typing import Any

from django.db import transaction
from rest_framework.authtoken.models import Token

from audit.services import record
from kernel.errors import Forbidden


def token_issue(*, by: Any) -> Token:
    """A new token for `by`, replacing any they had."""
    if not by.is_authenticated or not by.is_active:
        raise Forbidden
    with transaction.atomic():
        Token.objects.filter(user=by).delete()
        token = Token.objects.create(user=by)
        record("api.token_issued", obj=by, by=by)
    return token


def token_revoke(*, by: Any) -> bool:
    """`by`'s token no longer works; False when they had none."""
    if not by.is_authenticated:
        raise Forbidden
    with transaction.atomic():
        deleted, _ = Token.objects.filter(user=by).delete()
        if deleted:
            record("api.token_revoked", obj=by, by=by)
    return bool(deleted)


def token_exists(user: Any) -> bool:
    return Token.objects.filter(user=user).exists()
