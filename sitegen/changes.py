"""What changed since a chosen point: the last update of `sitegen.lock` (the default) or
a day (config `changes_since`). Briefings added, judgments (bottom line, confidence, key
points) changed, revisions recorded, and every citation whose source paragraph drifted,
old and new side by side; for the changes page, its feed and each briefing's
"judgment changed" line.

Rules: a judgment that differs from the lock's is changed now, not yet recorded (its old
and new parts are known); one the lock records as changed (`@changed`) is dated but its
old text is gone. Without a lock, "since the lock" names no point, and only a day does.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .load.content import Revision
from .lock import claim_name, drifted, judgment_parts
from .model.site import Briefing, Claim, Site

CHANGES_PAGE = "changes/"
CHANGES_FEED = "changes/feed.xml"  # written with the site's feed, when it has a base_url
LIMIT = 100  # entries a section of the changes page shows at most

@dataclass(frozen=True, slots=True)
class PartChange:
    label: str  # "Bottom line", "Confidence", "Key point 2"
    old: str  # '' for a part that is new
    new: str  # '' for a part that is gone


@dataclass(frozen=True, slots=True)
class JudgmentChange:
    briefing: str
    day: dt.date | None  # None: changed since the lock, not yet recorded in it
    parts: tuple[PartChange, ...]  # what changed, when known


@dataclass(frozen=True, slots=True)
class Drift:
    """A citation whose source paragraph changed since the lock."""

    claim: Claim
    label: str  # "key point 2"
    seed: str
    para: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Changes:
    since: dt.date | None  # counted from this day; None: no point yet
    by_lock: bool  # the day is the lock's last update
    added: tuple[str, ...]  # briefings, newest first
    judgments: tuple[JudgmentChange, ...]
    revisions: tuple[tuple[str, Revision], ...]  # (briefing, revision), newest first
    drifts: tuple[Drift, ...]

    @property
    def count(self) -> int:
        return len(self.added) + len(self.judgments) + len(self.revisions) + len(self.drifts)


_LABELS = {"bottom-line": "Bottom line", "confidence": "Confidence"}


def _label(part: str) -> str:
    return _LABELS.get(part) or f"Key point {part.removeprefix('kp-')}"


def pending(site: Site, b: Briefing) -> tuple[PartChange, ...] | None:
    """How the briefing's judgment differs from the lock's (None: the lock does not have
    the briefing, or there is no lock)."""
    locked = site.lock.judgments.get(b.slug) if site.lock else None
    if locked is None:
        return None
    was = {name: (digest, text) for name, digest, text in locked.parts}
    now = {name: (digest, text) for name, digest, text in judgment_parts(b)}
    return tuple(PartChange(_label(name), was.get(name, ("", ""))[1], now.get(name, ("", ""))[1])
                 for name in dict.fromkeys([*was, *now])
                 if was.get(name, ("",))[0] != now.get(name, ("",))[0])


def judgment_changed(site: Site, b: Briefing) -> tuple[dt.date, bool] | None:
    """(day, not yet recorded) for the briefing page's "judgment changed" line: the lock's
    last update when it changed since, else the day the lock recorded its change."""
    if pending(site, b):
        return site.lock.written, True  # a lock that records judgments has a day
    locked = site.lock.judgments.get(b.slug) if site.lock else None
    return (locked.changed, False) if locked and locked.changed else None


def site_changes(site: Site) -> Changes:
    """Everything that changed since the site's point (see the module's rules)."""
    lock, since = site.lock, site.config.changes_since
    by_lock = since is None
    if by_lock:
        since = lock.written if lock else None
    briefings = list(site.briefings.values())  # newest first
    if since is None:
        added, judgments, revisions = (), (), ()
    else:
        known = lock.judgments if lock and lock.written else None
        added = tuple(b.slug for b in briefings
                      if (b.slug not in known if by_lock and known is not None
                          else not by_lock and b.date >= since))
        judgments = tuple(_judgments(site, briefings, None if by_lock else since))
        revisions = tuple((b.slug, r) for b in briefings for r in b.revisions if r.date >= since)
        revisions = tuple(sorted(revisions, key=lambda br: br[1].date, reverse=True))
    drifts = tuple(Drift(_claim(site, now.briefing, now.anchor), claim_name(now.anchor),
                         now.seed, now.para, was.text, now.text)
                   for was, now in drifted(site))
    return Changes(since, by_lock, added, judgments, revisions, drifts)


def _judgments(site: Site, briefings: list[Briefing], since: dt.date | None):
    """Judgments changed since the lock, then (with a day) those the lock dates since."""
    dated = []
    for b in briefings:
        parts = pending(site, b)
        if parts:
            yield JudgmentChange(b.slug, None, parts)
            continue
        locked = site.lock.judgments.get(b.slug) if site.lock else None
        if since and locked and locked.changed and locked.changed >= since:
            dated.append(JudgmentChange(b.slug, locked.changed, ()))
    yield from sorted(dated, key=lambda j: j.day, reverse=True)


def _claim(site: Site, slug: str, anchor: str) -> Claim:
    b = site.briefings[slug]
    return next(c for c in (*b.key_points, *b.timeline) if c.anchor == anchor)
