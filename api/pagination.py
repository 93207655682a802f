"""Every API list is paginated the same way: `?page=2`, 50 rows a page, `?page_size=` up to 200
(平台规则: a page never carries more, so no request reads a whole table)."""

from rest_framework.pagination import PageNumberPagination


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
