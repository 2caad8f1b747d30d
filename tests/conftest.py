import pytest
from django.core.management import call_command
from django.test import override_settings


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory):
    """Pages are tested with production's static storage: hashed names from a real collectstatic."""
    static_root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=static_root):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield static_root


@pytest.fixture(autouse=True)
def cache_of_its_own(settings, tmp_path):
    """Each test starts with an empty cache in a folder of its own. The suite's workers would otherwise
    share the project's ``.cache`` (the one ``make run`` serves from), and its culling, once the suite
    has filled it, could remove an entry a test has just written and means to read back."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": str(tmp_path / "cache")}}


@pytest.fixture
def seed_archive(db):
    """The five seed articles with their sources, people, tags and claims."""
    call_command("loaddata", "seed_archive", verbosity=0)
