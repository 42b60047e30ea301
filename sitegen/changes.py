"""What changed since a chosen point: the last update of `sitegen.lock` (the default) or
a day (config `changes_since`). Briefings added and withdrawn, judgments (bottom line,
confidence, key points) changed, revisions recorded, and every citation whose source
paragraph drifted, old and new side by side; for the changes page, its feed and each
briefing's "judgment changed" line.

Rules: a judgment that differs from the lock's changed since the lock's last update, not
yet recorded (its old and new parts are known); one the lock records as changed
(`@changed`) is dated, its old text gone. "Since the lock" counts from its last update,
so the changes that update recorded are listed too. Without a lock, only a day names a
point. Drafts are not in the lock (sitegen.lock): a published draft is new. A briefing
the lock has and the site does not (deleted, renamed, made a draft) is withdrawn.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from .load.content import Revision
from .load.lockfile import Lock
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
    day: dt.date  # recorded that day; not yet recorded: changed since that day's review
    recorded: bool
    parts: tuple[PartChange, ...]  # what changed, while not yet recorded
    key: str  # names this change (a digest of the new parts), for the feed


@dataclass(frozen=True, slots=True)
class Drift:
    """A citation whose source paragraph changed since the lock."""

    claim: Claim
    label: str  # "key point 2"
    seed: str
    para: str
    old: str
    new: str
    digest: str  # of the new text


@dataclass(frozen=True, slots=True)
class Changes:
    since: dt.date | None  # counted from this day; None: no point yet
    by_lock: bool  # the day is the lock's last update
    reviewed: dt.date | None  # the lock's last update
    added: tuple[str, ...]  # briefings, newest first
    withdrawn: tuple[str, ...]  # briefings the lock has and the site no longer does
    judgments: tuple[JudgmentChange, ...]  # not yet recorded first, then newest first
    revisions: tuple[tuple[str, Revision], ...]  # (briefing, revision), newest first
    drifts: tuple[Drift, ...]
    judged: dict[str, JudgmentChange]  # every briefing's last change, whatever the day

    @property
    def count(self) -> int:
        return (len(self.added) + len(self.withdrawn) + len(self.judgments)
                + len(self.revisions) + len(self.drifts))


_LABELS = {"bottom-line": "Bottom line", "confidence": "Confidence"}


def _label(part: str) -> str:
    return _LABELS.get(part) or f"Key point {part.removeprefix('kp-')}"


def _last_change(lock: Lock, b: Briefing) -> JudgmentChange | None:
    """How the briefing's judgment differs from the lock's (the lock's day), else the day
    the lock recorded its last change; None when neither."""
    locked = lock.judgments.get(b.slug)
    if locked is None:
        return None
    was = {name: (digest, text) for name, digest, text in locked.parts}
    now = {name: (digest, text) for name, digest, text in judgment_parts(b)}
    parts = tuple(PartChange(_label(name), was.get(name, ("", ""))[1],
                             now.get(name, ("", ""))[1])
                  for name in dict.fromkeys([*was, *now])
                  if was.get(name, ("",))[0] != now.get(name, ("",))[0])
    if parts:
        key = _hash("\n".join(digest for digest, _text in now.values()))
        return JudgmentChange(b.slug, lock.written, False, parts, key)
    if locked.changed:
        return JudgmentChange(b.slug, locked.changed, True, (), str(locked.changed))
    return None


def site_changes(site: Site) -> Changes:
    """Everything that changed since the site's point (see the module's rules)."""
    lock, since = site.lock, site.config.changes_since
    by_lock = since is None
    reviewed = lock.written if lock else None
    if by_lock:
        since = reviewed
    briefings = list(site.briefings.values())  # newest first
    judged = {b.slug: j for b in briefings if lock and (j := _last_change(lock, b))}
    added, judgments, revisions = (), (), ()
    withdrawn = tuple(sorted(lock.judgments.keys() - site.briefings.keys())) if lock else ()
    if since is not None:
        added = tuple(b.slug for b in briefings if (b.slug not in lock.judgments if by_lock
                                                     else b.date >= since))
        judgments = tuple(sorted((j for j in judged.values() if j.day >= since),
                                 key=lambda j: (j.recorded, -j.day.toordinal())))
        revisions = tuple(sorted(((b.slug, r) for b in briefings for r in b.revisions
                                  if r.date >= since), key=lambda br: br[1].date, reverse=True))
    drifts = tuple(Drift(_claim(site, now.briefing, now.anchor), claim_name(now.anchor),
                         now.seed, now.para, was.text, now.text, now.digest)
                   for was, now in drifted(site))
    return Changes(since, by_lock, reviewed, added, withdrawn, judgments, revisions, drifts,
                   judged)


def _claim(site: Site, slug: str, anchor: str) -> Claim:
    b = site.briefings[slug]
    return next(c for c in (*b.key_points, *b.timeline) if c.anchor == anchor)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
