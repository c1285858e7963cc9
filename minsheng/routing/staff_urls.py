from django.urls import path  # noqa: F401

app_name = "routing_staff"
urlpatterns: list = []
