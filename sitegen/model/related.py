"""Related content from shared topics, in time linear in the number of briefings.

Briefings: explicit `related:` first, then others by the summed weight of the topics
they share, where a rarer topic weighs more (inverse document frequency). Candidates
are gathered from the briefing's rarest topics first and, within a topic, from the
`window` briefings nearest in date; gathering stops once there are `enough`. Every
candidate is then scored on all shared topics. So the work per briefing is bounded
however common a topic is, and no step compares all pairs.
Topics: by how often they are used together.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict


def related_briefings(topics_of: dict[str, tuple[str, ...]], explicit: dict[str, tuple[str, ...]],
                      order: dict[str, int], limit: int = 5, window: int = 60,
                      enough: int = 30) -> dict[str, tuple[str, ...]]:
    """For each briefing slug, up to `limit` related slugs; `order` ranks briefings
    (newest first) and breaks ties."""
    by_topic: dict[str, list[str]] = defaultdict(list)
    for slug in sorted(topics_of, key=order.__getitem__):
        for t in dict.fromkeys(topics_of[slug]):
            by_topic[t].append(slug)
    position = {t: {s: i for i, s in enumerate(members)} for t, members in by_topic.items()}
    n = max(len(topics_of), 1)
    weight = {t: math.log(1 + n / len(members)) for t, members in by_topic.items()}
    half = window // 2
    sets = {slug: frozenset(topics) for slug, topics in topics_of.items()}
    result = {}
    for slug, mine in sets.items():
        candidates: set[str] = set()
        for t in sorted(mine, key=lambda t: (len(by_topic[t]), t)):
            members, i = by_topic[t], position[t][slug]
            candidates.update(members[max(0, i - half):i + half + 1])
            if len(candidates) > enough:
                break
        candidates.discard(slug)
        # fsum: exactly rounded, so the score (and a tie) does not depend on set order,
        # which changes from run to run with string hashing.
        score = {c: math.fsum(map(weight.__getitem__, sets[c] & mine)) for c in candidates}
        chosen = [s for s in explicit.get(slug, ()) if s in topics_of and s != slug]
        # Highest score first, ties by `order`: two stable sorts, keyed in C.
        best = sorted(score, key=order.__getitem__)
        best.sort(key=score.__getitem__, reverse=True)
        for other in best[:limit + len(chosen)]:
            if len(chosen) >= limit:
                break
            if other not in chosen:
                chosen.append(other)
        result[slug] = tuple(dict.fromkeys(chosen))
    return result


def related_topics(topics_of: dict[str, tuple[str, ...]], limit: int = 8) -> dict[str, tuple[str, ...]]:
    """For each topic, the topics most often used with it (ties by slug)."""
    together: dict[str, Counter] = defaultdict(Counter)
    for topics in topics_of.values():
        unique = list(dict.fromkeys(topics))
        for a in unique:
            for b in unique:
                if a != b:
                    together[a][b] += 1
    return {t: tuple(sorted(c, key=lambda o: (-c[o], o))[:limit]) for t, c in together.items()}
