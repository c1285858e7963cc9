from django.contrib import admin
from django.urls import include, path

from minsheng.core import views as core_views

admin.site.site_header = "民声 Minsheng"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("captcha/", include("captcha.urls")),
    path("staff/", include("minsheng.workbench.urls")),
    path("admin/", admin.site.urls),
    path("", include("minsheng.portal.urls")),
]
