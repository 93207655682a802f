"""Each part of implementation keeps its pages in its own view module."""

from tasks.views import dispatch, lists, plans, reports, supervision
from tasks.views import tasks as task_views

app_name = "tasks"

urlpatterns = (
    task_views.urlpatterns
    + plans.urlpatterns
    + lists.urlpatterns
    + reports.urlpatterns
    + dispatch.urlpatterns
    + supervision.urlpatterns
)
