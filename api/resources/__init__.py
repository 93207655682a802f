"""The core resources: proposals, candidates, reviews, lists, programmes and claims, one module
per stage, each registering its viewsets on the API's router."""

from rest_framework.routers import SimpleRouter


def register(router: SimpleRouter) -> None:
    from api.resources import claims, lists, merging, proposals, review

    for module in (proposals, merging, review, lists, claims):
        module.register(router)
