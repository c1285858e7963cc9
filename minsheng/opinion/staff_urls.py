from django.urls import path

from minsheng.opinion import views

app_name = "opinion_staff"
urlpatterns = [
    path("", views.topic_list, name="topics"),
    path("topics/<int:pk>/", views.topic_detail, name="topic"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/issue/", views.report_issue, name="report_issue"),
    path("reports/<int:pk>/download.<str:fmt>", views.report_download, name="report_download"),
]
