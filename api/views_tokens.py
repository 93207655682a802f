"""Getting an API token (接口令牌): on the user's own page, or by account name and password.

`POST /api/token/` is checked by the site's own login form (`ThrottledAuthenticationForm`),
so a guess counts toward the same lock as at the login page, and a locked account is refused
here too, even with the right password.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.forms import ThrottledAuthenticationForm
from api.services import token_exists, token_issue, token_revoke


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})


class TokenObtainView(APIView):
    """The user's API token, for their account name and password (the existing token, or a
    new one when they have none)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            # The refusal's `detail` (a wrong password, a locked account), or the fields' errors.
            400: OpenApiTypes.OBJECT,
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        form = ThrottledAuthenticationForm(request._request, data=body.validated_data)
        if not form.is_valid():
            detail = " ".join(str(e) for e in form.non_field_errors()) or _("Login refused.")
            return Response({"detail": detail}, status=status.HTTP_400_BAD_REQUEST)
        # A new key each time, the old one dead (as on the token page): a password that leaked
        # yields no silent copy of the key its owner's system uses.
        token = token_issue(by=form.get_user())
        return Response({"token": token.key})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_page(request: HttpRequest) -> HttpResponse:
    """个人中心 · 接口令牌: make a new token (shown once, in the answer to the POST), or
    revoke it."""
    new_key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if token_revoke(by=request.user):
                messages.success(request, _("Your API token was revoked."))
            return redirect("api:token_page")
        new_key = token_issue(by=request.user).key
    return render(
        request,
        "api/token.html",
        {"new_key": new_key, "has_token": new_key is not None or token_exists(request.user)},
    )
