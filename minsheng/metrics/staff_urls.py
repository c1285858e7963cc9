from django.urls import path, re_path

from minsheng.metrics import dashboards
from minsheng.reports import views as report_views

app_name = "metrics_staff"
urlpatterns: list = [
    # dashboards.py and minsheng/reports/views.py (dashboards, drill-down, 通报)
    path("", dashboards.dashboard, name="dashboard"),
    path("cases/", dashboards.drill_down, name="cases"),
    path("reports/", report_views.report_list, name="reports"),
    path("reports/<int:pk>/", report_views.report_detail, name="report"),
    path("reports/<int:pk>/act/<slug:name>/", report_views.report_act, name="report_act"),
    re_path(r"^reports/(?P<pk>\d+)\.(?P<fmt>pdf|docx|xlsx)$", report_views.report_download, name="report_download"),
]
