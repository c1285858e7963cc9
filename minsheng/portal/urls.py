from django.urls import path

from minsheng.portal import views

app_name = "portal"
urlpatterns = [
    path("track/", views.track, name="track"),
    path("track/case/", views.track_case, name="track_case"),
    path("track/rate/", views.rate, name="rate"),
    path("track/supplement/", views.supplement, name="supplement"),
    path("followup/<str:token>/", views.followup, name="followup"),
    path("s/<slug:site>/", views.site_home, name="site_home"),
    path("s/<slug:site>/write/", views.write, name="write"),
    path("s/<slug:site>/write/done/", views.submitted, name="submitted"),
    path("s/<slug:site>/cases/", views.case_list, name="case_list"),
    path("s/<slug:site>/cases/<int:pk>/", views.case_detail, name="case_detail"),
]
