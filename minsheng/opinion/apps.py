from django.apps import AppConfig


class OpinionConfig(AppConfig):
    name = "minsheng.opinion"
    label = "opinion"
