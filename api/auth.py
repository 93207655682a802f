"""How an API request says who it is: a token (接口令牌) in `Authorization: Token <key>`, or
the session of a logged-in user (the browsable docs, tried from the site itself).

The token is DRF's own (`rest_framework.authtoken`): one per user, made, shown and revoked on
the user's token page (`api.views_tokens`) or obtained with `POST /api/token/`, which counts
toward the same login lock as the site's login form."""

from rest_framework.authentication import TokenAuthentication


class ActiveTokenAuthentication(TokenAuthentication):
    """DRF's token authentication (`Authorization: Token <key>`); a deactivated user's token
    is refused by DRF itself. Named here so that settings and the schema point to one class."""

    keyword = "Token"
