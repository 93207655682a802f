"""Routes of the implementation-to-promotion resources."""

from rest_framework.routers import SimpleRouter

from api.work import views

router = SimpleRouter(use_regex_path=False)  # path() routes, ids as <int:pk>
router.register("tasks", views.TaskViewSet, basename="task")
router.register("reports", views.ReportViewSet, basename="report")
router.register("evaluations", views.TaskEvaluationViewSet, basename="evaluation")
router.register("outcomes", views.OutcomeViewSet, basename="outcome")
router.register("batches", views.BatchViewSet, basename="batch")
router.register("adoption-records", views.AdoptionRecordViewSet, basename="adoption-record")

urlpatterns: list = router.urls
