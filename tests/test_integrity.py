"""The integrity manifest (SHA256SUMS) and `sitegen verify`: a copied site is checked for
missing, changed and extra files, offline, with sitegen or with coreutils alone."""
from __future__ import annotations

import shutil
import subprocess

from conftest import edit, snapshot
from sitegen.commands.build import build


def test_the_manifest_lists_every_file_and_sha256sum_accepts_it(small, cli):
    assert cli("build", "--root", small)[0] == 0
    out = small / "public"
    listed = (out / "SHA256SUMS").read_text().splitlines()
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {line.split("  ", 1)[1] for line in listed} == files - {"SHA256SUMS",
                                                                   ".sitegen-output"}
    run = subprocess.run(["sha256sum", "-c", "--quiet", "--strict", "SHA256SUMS"], cwd=out,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "sha256sum -c SHA256SUMS" in (out / "index.html").read_text()  # the footer says how


def test_verify_names_what_is_missing_changed_and_extra(small, cli, tmp_path):
    assert cli("build", "--root", small)[0] == 0
    copy = tmp_path / "usb-stick"
    shutil.copytree(small / "public", copy)
    code, out, err = cli("verify", copy)
    assert code == 0 and "ok: all " in err
    (copy / "index.html").write_text("tampered")
    (copy / "sources/harbour/index.html").unlink()
    (copy / "topics/notes.txt").write_text("added")
    code, out, err = cli("verify", copy)
    assert code == 1
    assert out.splitlines() == ["missing: sources/harbour/index.html", "changed: index.html",
                                "extra: topics/notes.txt"]
    assert "1 missing, 1 changed, 1 extra" in err


def test_a_manifest_line_leading_out_of_the_folder_is_refused(small, cli, tmp_path):
    assert cli("build", "--root", small)[0] == 0
    out = small / "public"
    with (out / "SHA256SUMS").open("a") as f:
        f.write("0" * 64 + "  ../../etc/passwd\n")
    code, text, _err = cli("verify", out)
    assert code == 1 and "SHA256SUMS:" in text and "not a manifest line" in text
    assert cli("verify", tmp_path)[0] == 1  # no manifest at all


def test_a_rebuilds_manifest_equals_a_clean_builds(small, tmp_path):
    build(small, workers=1)
    edit(small, "content/briefings/harbour-reopens.md", "It reopened on Monday.",
         "It reopened on Monday morning.")
    build(small, workers=1)  # most files stand: their digests come from the last manifest
    build(small, out_dir=str(tmp_path / "clean"), workers=1, cache=False)
    assert snapshot(small / "public")["SHA256SUMS"] == snapshot(tmp_path / "clean")["SHA256SUMS"]


def test_a_manifest_made_from_the_last_one_is_the_one_made_from_nothing():
    """A rebuild's manifest takes the last one's lines where its files are the same (see
    integrity.Listed; `fresh`: the files whose digests may have changed): after any
    changes, it is the manifest of the digests alone, and the last one is as it was."""
    import random

    from sitegen.integrity import Listed

    def reference(digests: dict[str, str]) -> bytes:  # sha256sum's format, escapes too
        lines = [("\\" + d + "  " + rel.replace("\\", "\\\\").replace("\n", "\\n"))
                 if "\\" in rel or "\n" in rel else f"{d}  {rel}"
                 for rel, d in sorted(digests.items())]
        return "".join(line + "\n" for line in lines).encode()

    rng = random.Random(4)
    names = [f"p/{n}.html" for n in range(40)] + ["a\\b.js", "new\nline.txt"]
    digests = {name: f"{rng.getrandbits(256):064x}" for name in names}
    listed = Listed(dict(digests))
    assert listed.data() == reference(digests)
    for step in range(60):
        now = dict(listed.digests)
        fresh = rng.sample(names, rng.randint(0, 3))
        for name in fresh:
            now[name] = f"{rng.getrandbits(256):064x}"  # changed, or added back
        if rng.random() < 0.3:
            now.pop(rng.choice(names), None)
        before, data = listed.data(), reference(listed.digests)
        listed = Listed(now, listed, fresh if step % 2 else None)
        assert listed.data() == reference(now)
        assert listed.same == (data == listed.data())
        assert before == data  # (the last manifest is left as it was)
