from django.urls import path

from minsheng.opinion import views

app_name = "opinion_public"
urlpatterns = [
    path("like/<int:case_pk>/", views.like, name="like"),
]
