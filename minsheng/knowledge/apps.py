from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "minsheng.knowledge"
    label = "knowledge"
