"""The cache the archive's pages and counts are kept in (``CACHES``): Django's file cache, written for less.

Files, so that the server's worker processes share one cache, with no other server to run.
Django's ``FileBasedCache`` makes each write pay for two things this one does not:

- It lists the whole folder to count the entries, on every write, so as to remove a third of
  them once there are ``MAX_ENTRIES``. Once the cache had filled (2,000 entries, the archive's
  default), a write took 3.7 ms, 2.9 of them listing, against 0.6 ms in an empty folder: every
  page built from then on paid it. Here the entries are counted on one write in
  ``CULL_CHECK_EVERY``, in each process (0.5 ms a write, full or not): the cache may hold that
  many entries more than ``MAX_ENTRIES`` for each process writing to it, before a third go.
- It compresses at zlib's default level. The fastest level compresses an article page (18 KB)
  in 0.08 ms against 0.18, into a file 9% larger (6.2 KB against 5.7). A value of more than
  ``STORED_ABOVE`` bytes pickled is stored without compressing (zlib's level 0, read back the
  same way): the counts a search keeps by segment (``articles.caching.by_segment``), arrays of ids
  and counts, compress at about 100 MB/s. At 1,000,000 articles a common word's older blocks
  (2.8 MB) took 43 ms to compress at the fastest level and 13 ms to read back, for a file of 1.2
  MB; its newest block's segments and their sum, read and written again by the first reader after
  every change, 597 KB: 5.5 ms to compress and 1.8 to read back, for 195 KB. Stored as they are,
  that reader's page ("well", newest first) took 35 to 36 ms instead of 41 to 45. Pages (an
  article's pickles to 18 KB; the largest the bench caches, 73 KB) stay compressed.

And ``touch`` rewrites only the expiry time in front of the value, where Django's reads the value,
decompresses it and writes it back: the counts a search keeps are touched each time they are
read current, to be kept as long again, and a common word's older blocks are megabytes.
"""

import itertools
import pickle
import zlib

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks

CULL_CHECK_EVERY = 50
COMPRESSION_LEVEL = 1  # zlib's fastest; reading back does not depend on it
STORED_ABOVE = 100_000  # bytes of a pickled value stored at zlib's level 0 (not compressed)


class ArchiveFileCache(FileBasedCache):
    """``FileBasedCache``, counting its entries on one write in ``CULL_CHECK_EVERY`` and compressing faster."""

    def __init__(self, dir, params):
        super().__init__(dir, params)
        self._writes = itertools.count(1)

    def _cull(self) -> None:
        if next(self._writes) % CULL_CHECK_EVERY == 0:
            super()._cull()

    def _write_content(self, file, timeout, value) -> None:
        # As Django's, at another compression level: the expiry time, then the compressed value.
        file.write(pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol))
        pickled = pickle.dumps(value, self.pickle_protocol)
        file.write(zlib.compress(pickled, COMPRESSION_LEVEL if len(pickled) <= STORED_ABOVE else 0))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        # As Django's, writing the new expiry time over the old one, which takes as many bytes
        # (a float, pickled), instead of writing the value again; otherwise (no expiry) as Django's.
        expiry = pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol)
        try:
            with open(self._key_to_file(key, version), "r+b") as file:
                locks.lock(file, locks.LOCK_EX)
                try:
                    if self._is_expired(file):  # reads the old expiry time; removes the file if past
                        return False
                    in_place = file.tell() == len(expiry)
                    if in_place:
                        file.seek(0)
                        file.write(expiry)
                finally:
                    if not file.closed:
                        locks.unlock(file)
        except FileNotFoundError:
            return False
        return in_place or super().touch(key, timeout, version)
