"""Symbolic links and odd files: an editor's lock link is passed over, any other link to
nothing or to a file outside the site is an error naming it, and sitegen never writes
through a link (output folder, sitegen.lock, `new`)."""
from __future__ import annotations

import os

import pytest

from conftest import snapshot, write_site

B = "content/briefings/harbour-reopens.md"


def test_an_editors_lock_link_is_passed_over(small, cli):
    os.symlink("user@host.4242:1700000000", small / "content/briefings/.#harbour-reopens.md")
    os.symlink("user@host.4242:1700000000", small / "seeds/.#harbour.txt")
    code, _out, err = cli("build", "--root", small)
    assert code == 0, err
    assert "Traceback" not in err and ".#" not in err


@pytest.mark.parametrize("rel", ["seeds/gone.txt", "content/briefings/gone.md",
                                 "content/topics/gone.yaml", "themes/default/static/gone.css"])
def test_a_link_to_nothing_is_an_error_naming_it(small, cli, rel):
    (small / rel).parent.mkdir(parents=True, exist_ok=True)
    os.symlink("nowhere.txt", small / rel)
    code, _out, err = cli("build", "--root", small)
    assert code == 1 and "Traceback" not in err
    assert f"{rel}: error: a symbolic link to nowhere.txt, which does not exist" in err


@pytest.mark.parametrize("rel", ["seeds/passwd.txt", "content/briefings/passwd.md",
                                 "themes/default/static/passwd.css",
                                 "themes/default/templates/passwd.html"])
def test_a_link_to_a_file_outside_the_site_is_an_error(small, cli, tmp_path, rel):
    secret = tmp_path / "secret.txt"
    secret.write_text("Secret\n\nThe reader's private file.\n")
    (small / rel).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(secret, small / rel)
    code, _out, err = cli("build", "--root", small)
    assert code == 1
    assert f"{rel}: error: a symbolic link to {secret}, outside the site folder" in err
    assert not (small / "public").exists() or not any(
        b"private file" in data for data in snapshot(small / "public").values())


def test_a_link_inside_the_site_is_read(small, cli):
    (small / "drafts").mkdir()
    write_site(small, {"drafts/other.txt": "Other\n\nA paragraph kept elsewhere in the site.\n"})
    os.symlink(small / "drafts/other.txt", small / "seeds/other.txt")
    code, _out, err = cli("build", "--root", small)
    assert code == 0, err
    assert "kept elsewhere" in (small / "public/sources/other/index.html").read_text()


def test_a_seed_without_extension_or_in_a_folder_says_what_to_do(small, cli):
    write_site(small, {"seeds/GPL-3": "The licence text.\n", "seeds/sub/deep.txt": "Deep\n"})
    code, out, err = cli("check", "--root", small)
    err = out + err
    assert code == 1
    assert "seeds/GPL-3: error: a seed needs an extension that says its format: rename it " \
           "GPL-3.txt (plain text), .md, .html, .pdf or .docx" in err
    assert "seeds/sub/: warning: ignored: seeds are read from seeds/ itself" in err


def test_a_link_planted_in_the_output_is_not_written_through(small, cli, tmp_path):
    assert cli("build", "--root", small)[0] == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    page = small / "public/briefings/harbour-reopens"
    for child in page.iterdir():
        child.unlink()
    page.rmdir()
    os.symlink(elsewhere, page)
    os.symlink(tmp_path / "victim.html", small / "public/topics/index.html.tmp")
    (small / B).write_text((small / B).read_text().replace("Monday", "Tuesday"))
    assert cli("build", "--root", small)[0] == 0
    assert list(elsewhere.iterdir()) == [] and not (tmp_path / "victim.html").exists()
    assert not page.is_symlink() and "Tuesday" in (page / "index.html").read_text()
    assert not (small / "public/topics/index.html.tmp").exists()


def test_an_unchanged_page_replaced_by_a_link_is_written_again(small, cli, tmp_path):
    assert cli("build", "--root", small)[0] == 0
    index = small / "public/index.html"
    copy = tmp_path / "copy.html"
    copy.write_bytes(index.read_bytes())
    index.unlink()
    os.symlink(copy, index)
    (small / B).write_text((small / B).read_text().replace("Monday", "Tuesday"))
    assert cli("build", "--root", small)[0] == 0
    assert not index.is_symlink() and index.is_file()


def test_an_output_folder_that_is_a_link_is_refused(small, cli, tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    os.symlink(target, tmp_path / "link")
    code, _out, err = cli("build", "--root", small, "--out", tmp_path / "link")
    assert code == 1 and "is a symbolic link; sitegen does not write through links" in err
    os.symlink(target, small / "public")  # the configured folder: it leads outside the root
    assert cli("build", "--root", small)[0] == 1
    assert list(target.iterdir()) == []


def test_the_lock_file_replaces_a_link_instead_of_writing_through_it(small, cli, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    os.symlink(victim, small / "sitegen.lock")
    code, _out, err = cli("check", "--root", small, "--update-lock")
    assert code == 0, err
    assert victim.read_text() == "keep me\n"
    assert not (small / "sitegen.lock").is_symlink()
    assert "harbour-reopens" in (small / "sitegen.lock").read_text()


def test_new_never_writes_through_a_link(small, cli, tmp_path):
    os.symlink(tmp_path / "victim.md", small / "content/briefings/a-small-source.md")
    code, _out, err = cli("new", "harbour", "--root", small)
    assert code == 1 and "Traceback" not in err
    assert "a-small-source.md: error: already exists" in err
    assert not (tmp_path / "victim.md").exists()


@pytest.mark.parametrize("folder", ["seeds", "content/briefings", "content", "themes"])
def test_an_input_folder_linked_outside_the_site_is_an_error(small, cli, tmp_path, folder):
    import shutil

    if folder == "themes":
        (small / "themes/default/static").mkdir(parents=True)
        (small / "themes/default/static/x.css").write_text("body { }\n")
    outside = tmp_path / "outside"
    shutil.move(small / folder, outside)
    (outside / "zz-secret.txt").write_text("Secret\n\nThe reader's private file.\n")
    os.symlink(outside, small / folder)
    code, out, err = cli("build", "--root", small)
    assert code == 1 and "outside the site folder" in out + err
    assert not (small / "public").exists() or not any(
        b"private file" in data for data in snapshot(small / "public").values())


def test_a_linked_folder_in_the_output_holding_the_same_pages_is_replaced(small, cli, tmp_path):
    import shutil

    assert cli("build", "--root", small)[0] == 0
    copy = tmp_path / "topics-copy"
    shutil.copytree(small / "public/topics", copy)
    shutil.rmtree(small / "public/topics")
    os.symlink(copy, small / "public/topics")
    for args in ((), ("--no-cache",)):
        assert cli("build", "--root", small, *args)[0] == 0
        assert not (small / "public/topics").is_symlink()
        assert (small / "public/topics/index.html").is_file()
        assert (small / "public/topics/harbour-town/index.html").is_file()


def test_an_edit_inside_a_linked_folder_of_the_site_is_seen(small, cli, monkeypatch):
    import shutil

    from sitegen.load import files

    monkeypatch.setattr(files, "SETTLE_NS", -10**12)  # no racy-timestamp rescue
    shutil.move(small / "content/briefings", small / "kept-briefings")
    os.symlink(small / "kept-briefings", small / "content/briefings")
    assert cli("build", "--root", small)[0] == 0
    path = small / "kept-briefings/harbour-reopens.md"
    path.write_text(path.read_text().replace("Monday", "Thursday") + "\nMore.\n")
    assert cli("build", "--root", small)[0] == 0
    assert "Thursday" in (small / "public/briefings/harbour-reopens/index.html").read_text()
