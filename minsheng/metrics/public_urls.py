from django.urls import path, re_path

from minsheng.metrics import public_views

app_name = "metrics_public"
urlpatterns: list = [
    path("", public_views.stats, name="stats"),
    path("reports/", public_views.report_list, name="report_list"),
    re_path(r"^reports/(?P<period>\d{4}-(?:\d{2}|Q[1-4]))/$", public_views.report_detail, name="report_detail"),
    re_path(r"^reports/(?P<period>\d{4}-(?:\d{2}|Q[1-4]))\.(?P<fmt>pdf|docx|xlsx)$", public_views.report_download,
            name="report_download"),
    re_path(r"^open-data\.(?P<fmt>csv|xlsx)$", public_views.open_data, name="open_data"),
]
