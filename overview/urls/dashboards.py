from django.urls import URLPattern, path

from overview.views import burden, dashboards, diffusion

urlpatterns: list[URLPattern] = [
    path("", dashboards.dashboard, name="dashboard"),
    path("dashboard.xlsx", dashboards.dashboard_xlsx, name="dashboard_xlsx"),
    path("burden/", burden.monitor, name="burden"),
    path("burden.xlsx", burden.monitor_xlsx, name="burden_xlsx"),
    path("diffusion/", diffusion.index, name="diffusion_index"),
    path("diffusion/<int:pk>/", diffusion.measure, name="diffusion"),
    path("diffusion/<int:pk>.xlsx", diffusion.measure_xlsx, name="diffusion_xlsx"),
]
