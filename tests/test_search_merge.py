"""The search index a rebuild brings up to date (search.merge.Index, carried from the
previous build) must be the index made from nothing, and its term shards the same
files with the same digests."""
from __future__ import annotations

import os
import random
from array import array

import pytest

from sitegen.memo import no_memo
from sitegen.engine.memo import Memo
from sitegen.search.documents import GROUP, PER_SHARD
from sitegen.search.merge import Index
from sitegen.search.postings import SHIFT, pack, unpack
from sitegen.search import termshards

GROUPS = [("b", 0), ("b", PER_SHARD[0] * GROUP), ("b", 2 * PER_SHARD[0] * GROUP),
          ("p", 0), ("p", PER_SHARD[1] * GROUP)]


def _group_postings(rng: random.Random, g: tuple[str, int], vocabulary: list[str]):
    """Random postings of group `g`: some of `vocabulary` in some of its documents."""
    kind, start = g
    docs = [2 * i + (kind == "p") for i in range(start, start + PER_SHARD[kind == "p"] * GROUP)]
    lists: dict[str, array] = {}
    for word in rng.sample(vocabulary, rng.randint(0, len(vocabulary) // 2)):
        chosen = sorted(rng.sample(docs, rng.randint(1, 6)))
        lists[word] = array("I", [rng.randint(1, 99) << SHIFT | d for d in chosen])
    return pack(lists)


def _made(packs: list, keys: list[str], previous: Index | None = None, hold: bool = True
          ) -> Index:
    index = Index.anew(previous, GROUPS, keys, hold)
    for i, packed in enumerate(packs):
        index.add(i, packed)
    return index


def _shards(index: Index) -> list[tuple[str, str, bytes]]:
    made: dict[str, str] = {}

    def stands(rels: list[str], digests: list[str]) -> list[bool]:
        made.update(zip(rels, digests))
        return [False] * len(rels)

    files = list(termshards.term_shards(index, [], 10_000, stands))
    return [(rel, made[rel], data) for rel, data in files]


@pytest.mark.parametrize("seed", range(6))
def test_an_index_brought_up_to_date_is_the_one_made_from_nothing(seed, monkeypatch):
    monkeypatch.setattr(termshards, "SHARD_BYTES", 300)  # many shards from few words
    rng = random.Random(seed)
    vocabulary = [f"w{n}" for n in range(60)] + ["é", "𝒜b", "ｱ", "zz"]
    packs = [_group_postings(rng, g, vocabulary) for g in GROUPS]
    keys = [f"k{i}" for i in range(len(GROUPS))]
    index = _made(packs, keys)
    _shards(index)  # as a build does: the index keeps its shards' digests
    for step in range(8):
        for i in rng.sample(range(len(GROUPS)), rng.randint(1, 2)):
            packs[i] = _group_postings(rng, GROUPS[i], vocabulary + [f"new{step}"])
            keys[i] = f"k{i}.{step}"
        kept = index
        index = _made(packs, keys, previous=kept)
        assert index is kept  # brought up to date, not made anew
        clean = _made(packs, keys)
        assert index.words() == clean.words()
        assert {w: list(p) for w, p in index.postings.items()} == \
               {w: list(p) for w, p in clean.postings.items()}
        assert _shards(index) == _shards(clean)


@pytest.mark.parametrize("seed", range(4))
def test_term_shards_cut_again_around_changed_words_are_those_cut_from_nothing(
        seed, monkeypatch):
    """A carried index is cut again only around the words that changed (termshards'
    `_recut`): small changes to a large vocabulary, many shards, each pass the same
    shards as a cut of the whole index."""
    monkeypatch.setattr(termshards, "SHARD_BYTES", 200)
    rng = random.Random(seed)
    vocabulary = [f"w{n:03}" for n in range(400)]
    packs = [_group_postings(rng, g, vocabulary) for g in GROUPS]
    keys = [f"k{i}" for i in range(len(GROUPS))]
    index = _made(packs, keys)
    _shards(index)
    recuts = 0
    for step in range(30):
        i = rng.randrange(len(GROUPS))
        lists = {w: array("I", bytes(data)) for w, data in unpack(packs[i])}
        for word in rng.sample(vocabulary, 3) + [f"new{step}"]:
            if word in lists and rng.random() < 0.5:
                del lists[word]
            else:
                kind, start = GROUPS[i]
                doc = 2 * rng.randrange(start, start + GROUP) + (kind == "p")  # one of its own
                lists[word] = array("I", [rng.randint(1, 99) << SHIFT | doc])
        packs[i], keys[i] = pack(lists), f"k{i}.{step}"
        every = index.every
        index = _made(packs, keys, previous=index)
        recuts += index.every == every
        assert _shards(index) == _shards(_made(packs, keys)), step
    assert recuts > 20  # (most passes cut again around the change, not the whole)


def test_words_of_a_changed_group_whose_postings_stand_are_not_changed():
    """A group is replaced whole when one of its documents changed; only the words whose
    postings that changed count as changed (their term shards alone are made again)."""
    rng = random.Random(3)
    packs = [_group_postings(rng, g, [f"w{n}" for n in range(60)]) for g in GROUPS]
    keys = [f"k{i}" for i in range(len(GROUPS))]
    index = _made(packs, keys)
    group = {w: array("I", bytes(data)) for w, data in unpack(packs[0])}
    word = min(group)
    group[word][0] += 1 << SHIFT  # one document's weight for one word
    packs[0], keys[0] = pack(group), "k0.changed"
    index = _made(packs, keys, previous=index)
    assert index.changed == {word}
    assert index.postings == _made(packs, keys).postings


def test_an_index_of_other_groups_or_mostly_new_keys_is_made_anew():
    packs = [pack({"a": array("I", [1 << SHIFT | (g[0] == "p")])}) for g in GROUPS]
    index = _made(packs, ["k"] * len(GROUPS))
    assert _made(packs, ["x"] * len(GROUPS), previous=index) is not index
    assert Index.anew(index, GROUPS[:-1], ["k"] * 4, hold=True) is not index
    # One that does not hold its groups' postings (a single build's) cannot be brought up
    # to date.
    single = _made(packs, ["k"] * len(GROUPS), hold=False)
    assert single.held == [None] * len(GROUPS)
    assert _made(packs, ["k"] * len(GROUPS), previous=single) is not single


def test_a_warm_memo_carries_a_value_once_and_a_cold_one_none():
    warm = Memo(warm=True)
    warm.carry("step", value := object())
    assert warm.carried("step") is value and warm.carried("step") is None
    cold = Memo()
    cold.carry("step", object())
    assert cold.carried("step") is None
    no_memo.carry("step", object())
    assert no_memo.carried("step") is None
    # A forked worker's copy of a warm memo has no next build to carry to.
    assert warm.carries and [_in_a_fork(lambda: warm.carries)] == [False]


def _in_a_fork(call):
    """What `call()` returns in a forked child process (a bool)."""
    import os

    pid = os.fork()
    if pid == 0:
        os._exit(int(bool(call())))
    return bool(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))


def test_carried_values_stand_while_their_inputs_are_equal():
    from sitegen.memo import Carried

    memo = Memo(warm=True)
    first = Carried(memo, "values")
    first.put("a", ("x", 1), "made from x", (), ())
    first.put("b", ("y", 1), "made from y", (), ())
    first.done()
    second = Carried(memo, "values")
    assert second.get("a", ("x", 1))[1] == "made from x"
    assert second.get("b", ("y", 2)) is None and second.get("c", ("x", 1)) is None
    second.done()
    assert set(Carried(memo, "values").last) == {"a"}  # only what the build made or took


def test_a_memo_that_carries_nothing_gets_no_digests_worked_out():
    """A single build (`sitegen build`) carries nothing: `Carried` keeps nothing and
    asks for no entry's digest (a key's digest costs a repr of all it holds)."""
    from sitegen.memo import Carried

    class Cold:
        carries = False

        def stored(self, step, key):
            raise AssertionError("digested")

        carry, carried, use = (lambda *_: None,) * 3  # noqa: E731

    carried = Carried(Cold(), "values")
    assert carried.put("a", (1,), "v", (), (("step", ("key",)),))[1] == "v"
    carried.done()


def test_term_shards_rendered_on_several_cores_are_those_made_here(monkeypatch, tmp_path):
    """A clean build renders every term shard's rows: on the workers, each shard as this
    process would make it, with the same digest, in the same order."""
    from sitegen.runtime import parallel

    monkeypatch.setattr(termshards, "SHARD_BYTES", 300)
    monkeypatch.setattr(parallel, "MIN_ITEMS", 4)
    rng = random.Random(7)
    vocabulary = [f"w{n}" for n in range(400)] + ["é", "𝒜b", "ｱ", "zz"]
    packs = [_group_postings(rng, g, vocabulary) for g in GROUPS]
    keys = [f"k{i}" for i in range(len(GROUPS))]
    log = tmp_path / "pids"
    shard = termshards._shard

    def noted(postings, job):
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\n")
        return shard(postings, job)

    monkeypatch.setattr(termshards, "_shard", noted)

    def made(workers: int) -> list:
        digests: dict[str, str] = {}

        def stands(rels: list[str], made: list[str]) -> list[bool]:
            digests.update(zip(rels, made))
            return [False] * len(rels)

        firsts: list[str] = []
        files = list(termshards.term_shards(_made(packs, keys), firsts, 10_000, stands,
                                            workers))
        return [(rel, digests[rel], data) for rel, data in files] + [firsts]

    here = made(1)
    assert set(log.read_text().split()) == {str(os.getpid())}
    log.unlink()
    assert made(2) == here and len(here) > 8
    assert str(os.getpid()) not in set(log.read_text().split())


def test_a_warm_memo_brings_the_documents_sizes_up_to_date(example):
    """The fields' average lengths and the sources' paragraph counts a warm memo carries
    from build to build are those of the documents as they are now."""
    from conftest import edit
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    from sitegen.pipeline import load_site
    from sitegen.search.documents import Documents

    memo = Memo(warm=True)

    def documents(memo):
        if memo is not no_memo:
            memo.start()
        return Documents(load_site(example, load_config(example), Collector(), memo=memo),
                         memo)

    def sizes(docs):
        return (docs.averages, docs.paragraph_count, docs.paragraph_average,
                docs.first_paragraph)

    documents(memo)
    long = " ".join(["A far longer title"] * 40)
    edit(example, "content/briefings/putins-red-lines.md", "title: ", f"title: {long} ")
    seed = next((example / "seeds").glob("*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8") + "\n\n" + "Many more words. " * 400
                    + "\n\nAnd one more paragraph.\n", encoding="utf-8")
    warm = sizes(documents(memo))
    assert warm == sizes(documents(no_memo))


def test_a_warm_memo_weighs_again_only_the_briefings_that_changed(example, monkeypatch):
    """A save makes its briefing's group of documents again; the group's other briefings
    are weighed as the last build weighed them, and all of them again once the averages
    the weights follow from move. The index is the one made from nothing either way."""
    from conftest import edit
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    from sitegen.pipeline import load_site
    from sitegen.search import postings
    from sitegen.search.index import index_files

    weighed = []
    weights = postings.Postings.weights
    monkeypatch.setattr(postings.Postings, "weights",
                        lambda self, texts: weighed.append(texts[0]) or weights(self, texts))

    def index(memo) -> dict[str, bytes]:
        if memo is not no_memo:
            memo.start()
        site = load_site(example, load_config(example), Collector(), memo=memo)
        return dict(index_files(site, 1, memo))

    memo = Memo(warm=True)
    index(memo)
    count = len(weighed)
    assert count > 1
    edit(example, "content/briefings/putins-red-lines.md", "title: ", "title: Still ")
    weighed.clear()
    assert index(memo) == index(no_memo)
    warm = weighed[:len(weighed) - count]  # (then the index from nothing)
    # The edited briefing, and one whose body links it (the link shows its title).
    assert sorted(title.split()[0] for title in warm) == ["Still", "Talks"]
    long = " ".join(["A far longer title"] * 40)  # the titles' average moves
    edit(example, "content/briefings/putins-red-lines.md", "title: ", f"title: {long} ")
    weighed.clear()
    assert index(memo) == index(no_memo)
    assert len(weighed) == 2 * count


def test_a_warm_memo_carries_the_weights_of_a_few_groups_at_most(example, monkeypatch):
    """Where every group is indexed in the memo's own process (one core), the weights
    carried to the next build stay a few groups' (else they would hold the index twice):
    past that bound, none are kept, and a save weighs its group whole again."""
    from conftest import briefing_files, edit
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    from sitegen.pipeline import load_site
    from sitegen.search import documents, postings
    from sitegen.search.index import index_files

    weighed = []
    weights = postings.Postings.weights
    monkeypatch.setattr(postings.Postings, "weights",
                        lambda self, texts: weighed.append(texts[0]) or weights(self, texts))
    monkeypatch.setattr(documents, "_WEIGHED_MOST", 0)
    memo = Memo(warm=True)
    for step in range(2):
        memo.start()
        dict(index_files(load_site(example, load_config(example), Collector(), memo=memo),
                         1, memo))
        edit(example, "content/briefings/putins-red-lines.md", "title: ", "title: Still ")
    count = len(briefing_files(example))
    assert count > 2 and len(weighed) == 2 * count  # (two when carried: see above)
