from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "minsheng.sites"
    label = "sites"
