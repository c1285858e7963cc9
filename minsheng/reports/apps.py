from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "minsheng.reports"
    label = "reports"
