from django.urls import path

from minsheng.routing import views

app_name = "routing_staff"
urlpatterns = [
    path("", views.index, name="index"),
    path("models/<int:pk>/", views.model_detail, name="model"),
    path("models/<int:pk>/activate/", views.activate, name="activate"),
    path("train/", views.train, name="train"),
    path("sites/<int:site_id>/settings/", views.edit_settings, name="settings"),
    path("cases/<int:pk>/undo/", views.undo_auto_dispatch, name="undo"),
]
