from django.contrib import admin
from django.urls import include, path

from minsheng.core import views as core_views

admin.site.site_header = "民声 Minsheng"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("captcha/", include("captcha.urls")),
    # Each domain app mounts its staff pages under /staff/<area>/ and its public pages under a site.
    path("staff/metrics/", include("minsheng.metrics.staff_urls")),
    path("staff/opinion/", include("minsheng.opinion.staff_urls")),
    path("staff/routing/", include("minsheng.routing.staff_urls")),
    path("staff/knowledge/", include("minsheng.knowledge.staff_urls")),
    path("staff/", include("minsheng.workbench.urls")),
    path("admin/", admin.site.urls),
    path("s/<slug:site>/stats/", include("minsheng.metrics.public_urls")),
    path("s/<slug:site>/opinion/", include("minsheng.opinion.public_urls")),
    path("s/<slug:site>/kb/", include("minsheng.knowledge.public_urls")),
    path("", include("minsheng.portal.urls")),
]
