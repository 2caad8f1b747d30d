"""archive.filecache: Django's file cache, counting its entries now and then and compressing faster."""

import io
import pickle
import time
import zlib
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import caches

from archive.filecache import CULL_CHECK_EVERY, STORED_ABOVE, ArchiveFileCache

SMALL_CACHE_ENTRIES = 4 * CULL_CHECK_EVERY


@pytest.fixture
def small_cache(tmp_path):
    """A cache of a few entries, in a folder of its own."""
    return ArchiveFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": SMALL_CACHE_ENTRIES}})


def entries(tmp_path) -> int:
    return len(list(tmp_path.glob("*.djcache")))


def test_the_archive_caches_in_it():
    assert settings.CACHES["default"]["BACKEND"] == "archive.filecache.ArchiveFileCache"
    assert isinstance(caches["default"], ArchiveFileCache)


def test_values_are_read_back_as_written_until_they_expire(small_cache):
    page = ("<html>" + "A paragraph of the article. " * 500, {"Content-Type": "text/html; charset=utf-8"})
    small_cache.set("page", page, timeout=60)
    small_cache.set("brief", "gone soon", timeout=1)
    assert small_cache.get("page") == page
    assert small_cache.get("brief") == "gone soon"
    time.sleep(1.1)
    assert small_cache.get("brief") is None and small_cache.get("page") == page
    assert small_cache.touch("page", timeout=60) and small_cache.get("page") == page


def test_a_value_is_stored_at_the_fastest_compression_level(small_cache, tmp_path):
    small_cache.set("page", "words " * 1000)
    (stored,) = tmp_path.glob("*.djcache")
    content = io.BytesIO(stored.read_bytes())
    pickle.load(content)  # the expiry time
    compressed = content.read()
    # zlib's header names the level it compressed at: 0x01 for the fastest, 0x9c for the default.
    assert compressed[:2] == b"\x78\x01"
    assert pickle.loads(zlib.decompress(compressed)) == "words " * 1000


def test_a_large_value_is_stored_without_compressing(small_cache, tmp_path):
    value = b"counts" * STORED_ABOVE
    small_cache.set("counts", value)
    (stored,) = tmp_path.glob("*.djcache")
    assert stored.stat().st_size > len(value)  # compressed, so repetitive a value would take a few KB
    assert small_cache.get("counts") == value


def test_the_entries_are_counted_on_one_write_in_so_many(small_cache):
    with mock.patch.object(ArchiveFileCache, "_list_cache_files", autospec=True, return_value=[]) as listed:
        for number in range(3 * CULL_CHECK_EVERY):
            small_cache.set(f"key-{number}", number)
    assert listed.call_count == 3


def test_the_cache_stays_within_its_bound_and_keeps_the_newest(small_cache, tmp_path):
    writes = 5 * SMALL_CACHE_ENTRIES
    for number in range(writes):
        small_cache.set(f"key-{number}", number)
        # Over its bound by at most the writes since the entries were last counted.
        assert entries(tmp_path) < SMALL_CACHE_ENTRIES + CULL_CHECK_EVERY
    assert entries(tmp_path) >= SMALL_CACHE_ENTRIES * 2 // 3  # a third removed at a time, not all
    assert small_cache.get(f"key-{writes - 1}") == writes - 1


def test_a_touch_moves_the_expiry_time_and_leaves_the_value_as_it_was_written(small_cache, tmp_path):
    value = b"counts" * STORED_ABOVE
    small_cache.set("counts", value, timeout=1)
    (stored,) = tmp_path.glob("*.djcache")
    written = stored.read_bytes()
    with mock.patch.object(small_cache, "_write_content", wraps=small_cache._write_content) as write:
        assert small_cache.touch("counts", timeout=60)
    write.assert_not_called()  # the value is not written again
    touched = stored.read_bytes()
    header = len(pickle.dumps(0.0, small_cache.pickle_protocol))
    assert touched[header:] == written[header:]
    assert pickle.loads(touched[:header]) > pickle.loads(written[:header]) + 50
    time.sleep(1.1)
    assert small_cache.get("counts") == value
    assert not small_cache.touch("missing", timeout=60)


def test_a_value_kept_forever_is_touched_as_django_does(small_cache):
    small_cache.set("kept", "for ever", timeout=None)  # no expiry time: a shorter header
    assert small_cache.touch("kept", timeout=60) and small_cache.get("kept") == "for ever"
    small_cache.set("brief", "gone soon", timeout=1)
    time.sleep(1.1)
    assert not small_cache.touch("brief", timeout=60) and small_cache.get("brief") is None
