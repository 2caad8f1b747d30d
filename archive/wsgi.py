"""WSGI entry point: ``gunicorn archive.wsgi``."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

application = get_wsgi_application()

# Python's full garbage collection walks every object the process holds, Django's and the archive's
# own included (some 100,000 once a search page has been served): it took 27 to 42 ms, about once
# every ten search pages, which is most of a fast search's p95. Frozen, the objects alive now are
# left out of every collection; the pauses became 10 to 15 ms (measured on the benchmark's 10,000
# articles, while other work ran on the machine).
gc.freeze()
