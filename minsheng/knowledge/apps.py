"""Knowledge base, similar cases, duplicate flags and reply checks (issue 5)."""
from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "minsheng.knowledge"
    label = "knowledge"

    def ready(self) -> None:
        from minsheng.knowledge import signals  # noqa: F401 - connects the indexing receiver
