from django.urls import path

from minsheng.knowledge import staff_views

app_name = "knowledge_staff"
urlpatterns = [
    path("", staff_views.entry_list, name="list"),
    path("new/", staff_views.entry_new, name="new"),
    path("<int:pk>/", staff_views.entry_detail, name="entry"),
    path("<int:pk>/act/<slug:name>/", staff_views.entry_act, name="act"),
    path("from-case/<int:case_pk>/", staff_views.entry_from_case, name="from_case"),
]
