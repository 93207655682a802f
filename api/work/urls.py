"""Routes of the implementation-to-promotion resources."""

urlpatterns: list = []
