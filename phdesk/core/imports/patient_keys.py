"""Keys, fingerprints and counts for patient-level rows (``patient_level``): integers only.

A valid row becomes one int64 key for its (area, age band, sex) cell and a 64-bit fingerprint of
its person id, so the duplicate check and the counts are numpy sorts over integers, and no id or
label is held past the chunk that read it. The helpers of :mod:`patient_level`, moved here whole
(their names kept).
"""

from __future__ import annotations

import numpy as np

from phdesk.core.errors import UserError

SEXES = ["male", "female", "all"]  # the sex index of a key: 0, 1, 2


# (area, band, sex) -> one int64 key in mixed radix: area * (bands * 3) + band * 3 + sex. The
# radix is the number of labels actually seen, so any number of labels is counted right; a
# product beyond int64 is refused by _check_budget rather than wrapped.
def _key_span(n_bands: int) -> int:
    return max(n_bands, 1) * len(SEXES)


def _pack(triples: np.ndarray, n_bands: int) -> np.ndarray:
    t = triples.astype(np.int64)
    return t[:, 0] * _key_span(n_bands) + t[:, 1] * len(SEXES) + t[:, 2]


def _unpack(key: np.ndarray, n_bands: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    span = _key_span(n_bands)
    rest = key % span
    return key // span, rest // len(SEXES), rest % len(SEXES)


def _check_budget(cells: int, groups: int) -> None:
    """UserError when (area, band, sex) cells × groups cannot be keyed in a 64-bit integer."""
    if cells * groups >= 2**62:
        raise UserError(f"too many distinct values to count: {cells:,} (area, age band, sex) "
                        f"cells × {groups:,} segments; check the age band and segment columns")


def _rank(values: np.ndarray) -> np.ndarray:
    """Position of each element among the sorted distinct values (text order)."""
    return np.unique(values.astype(str), return_inverse=True)[1].reshape(-1)


def fingerprint(ids: np.ndarray) -> np.ndarray:
    """A 64-bit fingerprint per id (exact for ids up to 8 bytes), the same for an id whatever
    the array's width (padding is skipped), from text or bytes (UTF-8) arrays.

    The id's bytes are read as 64-bit words and folded with the splitmix64 mixer, which is a
    bijection: two different ids of up to 8 bytes never collide, longer ones with probability
    about n^2 / 2^65 (1e-7 for two million people). Far faster than hashing Python strings.
    """
    if len(ids) == 0:
        return np.empty(0, np.uint64)
    b = ids if ids.dtype.kind == "S" else np.strings.encode(ids.astype(str), "utf-8")
    width = max(b.dtype.itemsize, 1)
    b = b.astype(f"S{width + (-width) % 8}")
    words = np.frombuffer(b.tobytes(), dtype="<u8").reshape(len(b), -1)
    with np.errstate(over="ignore"):
        h = _mix(words[:, 0].copy())
        for j in range(1, words.shape[1]):
            w = words[:, j]
            h = np.where(w != 0, _mix(h ^ w), h)  # a zero word is padding: ids hold no NUL
    return h


def _mix(z: np.ndarray) -> np.ndarray:
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _duplicates(h: np.ndarray) -> np.ndarray:
    """True for every row whose fingerprint an earlier row (in file order) already has."""
    order = np.argsort(h, kind="stable")
    dup_sorted = np.zeros(len(h), bool)
    dup_sorted[1:] = h[order][1:] == h[order][:-1]
    dup = np.zeros(len(h), bool)
    dup[order] = dup_sorted
    return dup


def _count_segments(key: np.ndarray, seg: np.ndarray, n_names: int, n_bands: int,
                    n_areas: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cell key, segment index, persons) for each pair seen, one segment per person."""
    nseg = max(n_names, 1)
    _check_budget(_key_span(n_bands) * max(n_areas, 1), nseg)
    combo, counts = np.unique(key * nseg + seg, return_counts=True)
    return combo // nseg, combo % nseg, counts


def _count_flags(key: np.ndarray, seg: np.ndarray, n_flags: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cell key, flag index, persons) for each pair seen; a person counts in every set flag."""
    parts = [np.unique(key[(seg >> b) & 1 == 1], return_counts=True) for b in range(n_flags)]
    k = np.concatenate([u for u, _ in parts] or [np.empty(0, np.int64)])
    counts = np.concatenate([c for _, c in parts] or [np.empty(0, np.int64)])
    g = np.repeat(np.arange(len(parts)), [len(u) for u, _ in parts]).astype(np.int64)
    return k, g, counts
