import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
application = get_wsgi_application()

# Import every view now rather than on the first request: with gunicorn's --preload (manage.py
# serve) that happens once in the master before it forks, and the workers share the modules (the
# URL configuration pulls in scikit-learn for routing suggestions: about a second per worker's
# first request otherwise).
get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
