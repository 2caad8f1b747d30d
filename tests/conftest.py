import pytest
from django.core.management import call_command


@pytest.fixture
def seed_archive(db):
    """The five seed articles with their sources, people, tags and claims."""
    call_command("loaddata", "seed_archive", verbosity=0)
