from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "minsheng.notifications"
    label = "notifications"
