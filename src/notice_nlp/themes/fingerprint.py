"""Near-duplicate fingerprints: MinHash over character shingles.

:func:`fingerprint` takes the normalised, synonym-folded text (so a spun copy and its original
share most shingles), keeps Han characters, letters and digits, and builds a MinHash signature of
its character 3-shingles: ``NUM_PERM`` 32-bit minima, encoded as a hex string. :func:`similarity`
estimates the Jaccard similarity of two shingle sets as the share of equal minima. A spun copy
of an article scores well above 0.5, unrelated articles of the same genre below 0.2.
"""

from __future__ import annotations

import functools
import operator
import re
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

__all__ = ["NUM_PERM", "SHINGLE", "fingerprint", "similarity", "parse_fingerprint", "lsh_candidates"]

NUM_PERM = 128
SHINGLE = 3
_PRIME = 4294967311  # smallest prime above 2**32
_KEEP = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9]+")
_CHUNK = 20000

Fingerprint = Union[str, Sequence[int]]


@functools.cache
def _perms() -> tuple["np.ndarray", "np.ndarray"]:
    import numpy as np

    rng = np.random.default_rng(20240521)
    a = rng.integers(1, 2**32 - 1, size=NUM_PERM, dtype=np.uint64)
    b = rng.integers(0, 2**32 - 1, size=NUM_PERM, dtype=np.uint64)
    return a, b


def _shingles(text: str) -> list[int]:
    """CRC-32 of the UTF-8 of every distinct character 3-shingle (the loops run in C: the
    shingles are built by adding shifted copies of the string, then deduplicated before
    hashing)."""
    s = "".join(_KEEP.findall(text))
    if not s:
        return []
    if len(s) < SHINGLE:
        return [zlib.crc32(s.encode("utf-8"))]
    grams = s
    for k in range(1, SHINGLE):
        grams = map(operator.add, grams, s[k:])  # type: ignore[assignment]
    return list(set(map(zlib.crc32, map(str.encode, set(grams)))))


def fingerprint(text: str) -> str:
    """MinHash signature of ``text`` (pass normalised text) as ``NUM_PERM`` × 8 hex digits.

    An empty text gives the all-``f`` signature (similar only to other empty texts).
    """
    import numpy as np

    hashes = _shingles(text)
    if not hashes:
        return "f" * 8 * NUM_PERM
    a, b = _perms()
    prime = np.uint64(_PRIME)
    mins = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    arr = np.asarray(hashes, dtype=np.uint64)
    for i in range(0, len(arr), _CHUNK):
        chunk = arr[i : i + _CHUNK]
        # a < 2**32 and chunk < 2**32, so a*chunk + b < 2**64: no overflow in uint64
        vals = a[:, None] * chunk[None, :]
        vals += b[:, None]
        # vals %= prime, written as vals - (vals // prime) * prime: numpy divides by a scalar
        # with libdivide, about twice as fast as its remainder (same integers)
        q = vals // prime
        q *= prime
        vals -= q
        np.minimum(mins, vals.min(axis=1), out=mins)
    mins &= np.uint64(0xFFFFFFFF)
    return mins.astype(">u4").tobytes().hex()  # 8 hex digits per minimum, big-endian


def parse_fingerprint(fp: Fingerprint) -> list[int]:
    """A fingerprint (hex string or list of ints) as a list of ints."""
    if isinstance(fp, str):
        if len(fp) % 8:
            raise ValueError("fingerprint: hex string length must be a multiple of 8")
        return [int(fp[i : i + 8], 16) for i in range(0, len(fp), 8)]
    return [int(v) for v in fp]


def similarity(fp_a: Fingerprint, fp_b: Fingerprint) -> float:
    """Estimated Jaccard similarity (0..1) of the shingle sets behind two fingerprints."""
    if isinstance(fp_a, str) and isinstance(fp_b, str):
        if len(fp_a) != len(fp_b) or not fp_a:
            raise ValueError("similarity: fingerprints of different length")
        n = len(fp_a) // 8
        same = sum(1 for i in range(0, len(fp_a), 8) if fp_a[i : i + 8] == fp_b[i : i + 8])
        return same / n
    a, b = parse_fingerprint(fp_a), parse_fingerprint(fp_b)
    if len(a) != len(b) or not a:
        raise ValueError("similarity: fingerprints of different length")
    return sum(1 for x, y in zip(a, b) if x == y) / len(a)


def lsh_candidates(fps: Sequence[str], bands: int = 32) -> set[tuple[int, int]]:
    """Pairs ``(i, j)``, i < j, sharing at least one LSH band (candidates for a similarity check).

    With 32 bands of 4 minima a pair at similarity 0.5 is found with probability ~0.87, at 0.6
    ~0.99.
    """
    out: set[tuple[int, int]] = set()
    if not fps:
        return out
    width = len(fps[0]) // bands
    for band in range(bands):
        buckets: dict[str, list[int]] = {}
        for i, fp in enumerate(fps):
            if len(fp) != len(fps[0]):
                continue
            buckets.setdefault(fp[band * width : (band + 1) * width], []).append(i)
        for members in buckets.values():
            if 1 < len(members) <= 500:
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        out.add((members[x], members[y]))
    return out
