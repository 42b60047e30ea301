"""The installed package carries the bundled theme: a site without themes/ builds from a
wheel install, not only from this repository."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from conftest import REPO


def test_wheel_ships_the_default_theme(small, tmp_path):
    source, wheels, target = tmp_path / "source", tmp_path / "wheels", tmp_path / "installed"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for name in ("sitegen", "themes"):
        shutil.copytree(REPO / name, source / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels),
                    str(source)], check=True, cwd=tmp_path)
    wheel = next(wheels.glob("sitegen-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, cwd=tmp_path)
    assert (target / "sitegen/_themes/default/templates/base.html").is_file()
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = subprocess.run([sys.executable, "-m", "sitegen", "build", "--root", str(small)],
                         cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    code = "import sitegen.theme as t; print(t.bundled_themes_dir())"
    where = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                           capture_output=True, text=True).stdout
    assert str(target) in where
    # Every package of the source tree is in the wheel (an editable install of this
    # repository would otherwise quietly stand in for one the wheel lacks).
    packages = {p.parent.relative_to(REPO).as_posix()
                for p in (REPO / "sitegen").rglob("__init__.py")}
    missing = sorted(p for p in packages if not (target / p / "__init__.py").is_file())
    assert not missing, f"not in the wheel: {missing}"
    assert (small / "public/assets/style.css").is_file()
