""""Did you mean …?" suggestions: the one closest-match helper (pure; difflib imported lazily).

Used for rule references, config keys and values, schema names, identity types and misspelled
metadata members. `metadata_shape._near_miss` adds protocol-specific layers (camelCase, word
order) on top of `closest`.
"""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> list[str]:
    """The candidate most similar to `word` (as a one-item list), or [] when none reaches `cutoff`.

    Candidates keep their first-seen order (ties go to the earlier one). When nothing is close,
    the comparison is retried case-folded, so `md001` finds `MD001` and `Anonymous` finds
    `anonymous`; the candidate is returned as written.
    """
    import difflib

    pool = list(dict.fromkeys(candidates))
    match = difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)
    if match:
        return match
    folded = {c.lower(): c for c in pool}
    low = difflib.get_close_matches(word.lower(), list(folded), n=1, cutoff=cutoff)
    return [folded[low[0]]] if low else []


def did_you_mean(word: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str:
    """` (did you mean 'x'?)` for the closest candidate, or "" when none is close."""
    match = closest(word, candidates, cutoff=cutoff)
    return f" (did you mean {match[0]!r}?)" if match else ""
