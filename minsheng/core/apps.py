import os

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "minsheng.core"
    label = "core"

    def ready(self) -> None:
        # Loading jieba's dictionaries takes seconds; a server started with MINSHENG_WARM_TEXT=1 (the
        # serve command, with gunicorn --preload) pays it once in the master process, so the first
        # search or acceptance in each worker is not the slow one.
        if os.environ.get("MINSHENG_WARM_TEXT") == "1":
            from minsheng.lib.chinese import segment_for_index
            from minsheng.lib.masking import mask_personal_data

            segment_for_index("热身")
            mask_personal_data("张三丰反映噪音问题")
