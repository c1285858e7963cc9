"""Knowledge base, similar cases, duplicate flags and reply checks (issue 5)."""
from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "minsheng.knowledge"
    label = "knowledge"
