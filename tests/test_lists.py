"""The lists that follow from every briefing record (model.lists), the source records
(model.sources) and what links read of each name (model.links): patched by a warm memo
with the records that changed, they equal those made anew from every record."""
from __future__ import annotations

import datetime as dt
import random

from sitegen.engine.memo import Memo
from sitegen.load.content import TopicSource
from sitegen.load.fields import PartialDate
from sitegen.load.seed_meta import SeedMeta
from sitegen.load.seeds import Seed
from sitegen.memo import no_memo
from sitegen.model.lists import Lists
from sitegen.model.site import Briefing, Claim
from sitegen.model.sources import source_records

PARENTS = {"root": None, "mid": "root", "leaf": "mid", "side": "root", "apart": None}
SEEDS = ("s1", "s2", "s3", "s4", "s5")  # s4 and s5: cited now and then


def _topic(slug: str, parent: str | None) -> TopicSource:
    return TopicSource(slug, f"content/topics/{slug}.yaml", slug.title(), None, (), parent,
                       "", 0, None)


def _record(rng: random.Random, slug: str) -> Briefing:
    """A record with a random date, topics and timeline (events of few days, so that
    briefings of other dates and slugs share them)."""
    events = tuple(Claim(slug, f"ev-{i}", "An event.", None,
                         PartialDate(2022, 1, rng.randint(1, 3)))
                   for i in range(1, rng.randint(0, 3) + 1))
    seeds = tuple(rng.choice(SEEDS[:3] if rng.random() < 0.8 else SEEDS)
                  for _ in range(rng.randint(0, 3)))  # one twice, at times
    return Briefing(slug, f"content/briefings/{slug}.md", slug.title(),
                    dt.date(2022, 2, rng.randint(1, 4)), seeds,
                    tuple(rng.sample(sorted(PARENTS), rng.randint(0, 2))), "Bottom line.",
                    None, (), events, "<p>Body</p>", False)


def _series(rng: random.Random, first: int, steps: int):
    """The records (newest first) after each of `steps` random edits of `first` records:
    a record made again (other topics, seeds, date, events), one added, one removed."""
    records = {f"b{i}": _record(rng, f"b{i}") for i in range(first)}
    made = first
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.6 and records:
            slug = rng.choice(sorted(records))
            records[slug] = _record(rng, slug)
        elif roll < 0.8 or not records:
            made += 1
            records[f"b{made}"] = _record(rng, f"b{made}")
        else:
            del records[rng.choice(sorted(records))]
        yield dict(sorted(records.items(), key=lambda kv: (kv[1].date, kv[0]), reverse=True))


def _lists(lists: Lists) -> tuple:
    return (lists.timeline, *({t: getattr(lists, name).get(t, ()) for t in PARENTS}
                              for name in ("members", "events", "within")),
            {sid: lists.citing.get(sid, ()) for sid in SEEDS})


def test_patched_lists_equal_lists_made_anew():
    rng, memo = random.Random(11), Memo(warm=True)
    topics = {slug: _topic(slug, parent) for slug, parent in PARENTS.items()}
    for step, newest_first in enumerate(_series(rng, 10, 80)):
        memo.start()
        patched = Lists(memo, newest_first, topics)
        assert _lists(patched) == _lists(Lists(no_memo, newest_first, topics)), step
        assert all(patched.citing.get(sid, ()) == tuple(
            slug for slug, b in newest_first.items() for named in b.seeds if named == sid)
            for sid in SEEDS), step
        # Of one day, the older briefing's events first (the newer-first rank, reversed).
        rank = {slug: i for i, slug in enumerate(newest_first)}
        assert patched.timeline == tuple(sorted(
            (e for b in newest_first.values() for e in b.timeline),
            key=lambda e: (e.date.key, -rank[e.briefing], e.anchor))), step


def test_patched_sources_equal_sources_made_anew():
    rng, memo = random.Random(3), Memo(warm=True)
    topics = {slug: _topic(slug, parent) for slug, parent in PARENTS.items()}
    seeds = {sid: Seed(sid, f"seeds/{sid}.txt", "txt", sid.upper(), (),
                       SeedMeta(published=dt.date(2021, 1, 9 - i)), f"d{i}")
             for i, sid in enumerate(SEEDS)}
    for step, newest_first in enumerate(_series(rng, 8, 120)):
        memo.start()
        warm = source_records(seeds, newest_first, Lists(memo, newest_first, topics).citing,
                              True, memo)
        fresh = source_records(seeds, newest_first,
                               Lists(no_memo, newest_first, topics).citing, True, no_memo)
        assert list(warm.items()) == list(fresh.items()), step


def test_links_views_patched_equal_views_made_anew():
    """What each name's links read (model.links `_views`), patched by a warm memo from
    the objects that changed, equals the views made anew, and the names it says changed
    are those whose view differs from the last build's."""
    from types import SimpleNamespace as Obj
    from sitegen.model.links import Links, _views

    rng, memo = random.Random(11), Memo(warm=True)
    names = [f"n{i}" for i in range(12)]  # topics and briefings share some names

    def thing():
        return Obj(title=rng.choice("ABC"), failed=rng.random() < 0.2,
                   paragraph_count=rng.randint(1, 2))
    topics = {n: thing() for n in names[:5]}
    briefings = {n: thing() for n in names[3:]}
    seeds = {f"s{i}": thing() for i in range(6)}
    published = set(names[5:])
    before = None
    for _ in range(60):
        for part in (topics, briefings, seeds):
            for _ in range(rng.randint(0, 2)):
                key = rng.choice(sorted(part) or ["x"])
                roll = rng.random()
                if roll < 0.5 and key in part:
                    part[key] = thing()  # another object, at times an equal view
                elif roll < 0.7:
                    part.pop(key, None)
                else:
                    part[rng.choice(names) if part is not seeds else f"s{rng.randint(0, 8)}"] = \
                        None if part is seeds and rng.random() < 0.2 else thing()
        published = {n for n in briefings if (n in published) != (rng.random() < 0.2)}
        memo.start()
        links = Links(dict(topics), dict(briefings), set(published), dict(seeds), memo)
        anew = _views(topics, briefings, published, seeds)
        assert links.views == anew
        if before is not None:
            assert links.changed == {n for n in before.keys() | anew.keys()
                                     if before.get(n, ()) != anew.get(n, ())}
        links.done()
        before = anew
