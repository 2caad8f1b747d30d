"""The WSGI entry point, as the server runs it (``gunicorn archive.wsgi``)."""

import os
import subprocess
import sys

from django.conf import settings


def test_what_start_up_made_is_frozen_out_of_garbage_collections():
    environment = {"PATH": os.environ["PATH"], "DATABASE_URL": "postgresql://u@localhost/x", "DJANGO_SECRET_KEY": "k"}
    script = "import gc\nimport archive.wsgi\nprint(gc.get_freeze_count(), callable(archive.wsgi.application))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    frozen, application = result.stdout.split()
    assert int(frozen) > 10_000  # Django's and the archive's modules, classes and functions
    assert application == "True"
