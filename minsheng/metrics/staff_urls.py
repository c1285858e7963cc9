from django.urls import path  # noqa: F401

app_name = "metrics_staff"
urlpatterns: list = []
