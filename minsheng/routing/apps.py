from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "minsheng.routing"
    label = "routing"
