from django.contrib.auth.views import LogoutView
from django.urls import path

from minsheng.workbench import queues, views

app_name = "workbench"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page="workbench:login"), name="logout"),
    # queues.py: overview with live counts, filtered queues, bulk actions, board, notices
    path("", queues.home, name="home"),
    path("cases/", queues.queue, name="queue"),
    path("cases/bulk/", queues.bulk, name="bulk"),
    path("board/", queues.board, name="board"),
    path("notices/", queues.notices, name="notices"),
    path("notices/read/", queues.notices_read, name="notices_read"),
    # views.py: one case, its actions, return visits
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/contact/", views.reveal_contact, name="reveal_contact"),
    path("cases/<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("cases/<int:pk>/act/<slug:name>/", views.act, name="act"),
]
