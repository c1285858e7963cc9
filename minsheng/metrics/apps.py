from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "minsheng.metrics"
    label = "metrics"
