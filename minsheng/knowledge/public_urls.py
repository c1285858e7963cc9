from django.urls import path

from minsheng.knowledge import public_views

app_name = "knowledge_public"
urlpatterns = [
    path("", public_views.faq, name="faq"),
    path("<int:pk>/", public_views.faq_entry, name="entry"),
    path("similar/", public_views.similar, name="similar"),
]
