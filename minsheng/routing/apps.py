"""Routing suggestions and automatic dispatch from trained models (issue 5)."""
from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "minsheng.routing"
    label = "routing"

    def ready(self) -> None:
        from minsheng.lib import chinese
        from minsheng.routing import lexicon

        # The segmenter learns the installation's own names (read lazily, on its next use).
        chinese.set_word_source(lexicon.site_words, ttl=lexicon.TTL_SECONDS)
