"""bench/load.py's mix: drawn from the database, alternating searches and article pages, every address a 200."""

import random

from articles.services import vocabulary_refresh
from bench import load


def test_every_address_of_the_mix_answers_200_on_the_seed_archive(seed_archive, client):
    vocabulary_refresh()
    rng = random.Random(1)
    searches = load.search_addresses(rng, 40)
    articles = load.article_addresses(rng, 10)

    paths = load.mix(searches, articles)

    assert len(articles) == 5  # all the seed archive has
    assert paths[0::2] == searches
    assert set(paths[1::2]) == set(articles)
    assert all(path.startswith("/search/?") for path in searches)
    for path in dict.fromkeys(paths):
        assert client.get(path).status_code == 200, path
