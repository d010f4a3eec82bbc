import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kujdes.settings")
application = get_wsgi_application()

# Refuse to serve without the master key: nothing encrypted could be read or written.
from kujdes.core.crypto import master_key_check  # noqa: E402

master_key_check()
