from django.urls import path, re_path

from minsheng.metrics import dashboards
from minsheng.metrics import views as engine_views
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
    # views.py (the engine's pages: exclusions, appeals, the case export)
    path("review/", engine_views.review, name="review"),
    path("cases/<int:pk>/exclusion/", engine_views.request_exclusion, name="request_exclusion"),
    path("exclusions/<int:pk>/decide/", engine_views.decide_exclusion, name="decide_exclusion"),
    path("appeals/", engine_views.appeals, name="appeals"),
    path("appeals/<int:pk>/decide/", engine_views.decide_appeal, name="decide_appeal"),
    path("export/", engine_views.export, name="export"),
]
