"""Related content from shared topics, in time linear in the number of briefings.

Briefings: explicit `related:` first, then others by the summed weight of shared
topics, where a rarer topic weighs more (inverse document frequency). Topics so
common that they say little (more than `cap` briefings) are skipped when finding
candidates, so the work per briefing stays bounded.
Topics: by how often they are used together.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict


def related_briefings(topics_of: dict[str, tuple[str, ...]], explicit: dict[str, tuple[str, ...]],
                      order: dict[str, int], limit: int = 5, cap: int = 500) -> dict[str, tuple[str, ...]]:
    """For each briefing slug, up to `limit` related slugs; `order` ranks ties (newest first)."""
    by_topic: dict[str, list[str]] = defaultdict(list)
    for slug, topics in topics_of.items():
        for t in topics:
            by_topic[t].append(slug)
    n = max(len(topics_of), 1)
    weight = {t: math.log(1 + n / len(slugs)) for t, slugs in by_topic.items()}
    result = {}
    for slug, topics in topics_of.items():
        scores: Counter = Counter()
        for t in topics:
            members = by_topic[t]
            if len(members) > cap:
                continue
            for other in members:
                if other != slug:
                    scores[other] += weight[t]
        chosen = [s for s in explicit.get(slug, ()) if s in topics_of and s != slug]
        ranked = sorted(scores, key=lambda s: (-scores[s], order[s]))
        for other in ranked:
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
