from __future__ import annotations

import subprocess
import sys

from tests.conftest import snapshot
from workbench import open_store
from workbench.cli import main
from workbench.demo.builder import DEMO_LECTURE_ID, LEGACY_ASSET_ID


def _content(root):
    """Snapshot minus timestamps that legitimately differ between two fresh demo stores."""
    return {k: v for k, v in snapshot(root).items() if not k.startswith("lectures/")}


def test_demo_init_creates_six_segments_with_one_legacy(tmp_path, capsys):
    assert main(["demo", "init", str(tmp_path / "demo")]) == 0
    assert "Created the demo store" in capsys.readouterr().out
    store = open_store(tmp_path / "demo")
    lecture = store.lecture(DEMO_LECTURE_ID)
    assert len(lecture.videos) == 6
    assert [c.asset_id for c in lecture.timeline] == [v.id for v in lecture.videos]
    segments = store.segments(DEMO_LECTURE_ID)
    legacy = segments.set_index("asset_id").loc[LEGACY_ASSET_ID]
    assert legacy["status"] == "needs starting image"
    assert segments["has_starting_image"].sum() == 5
    assert len(set(segments["movie_directions"])) == 6
    for image in lecture.starting_images:
        assert (image.width, image.height) == (1920, 1080)
        assert set(image.regions) == {"title", "bullets", "diagram"}


def test_demo_init_is_deterministic_and_harmless_twice(tmp_path, capsys):
    main(["demo", "init", str(tmp_path / "a")])
    main(["demo", "init", str(tmp_path / "b")])
    assert _content(tmp_path / "a") == _content(tmp_path / "b")
    before = snapshot(tmp_path / "a")
    assert main(["demo", "init", str(tmp_path / "a")]) == 0
    assert "already exists; left unchanged" in capsys.readouterr().out
    assert snapshot(tmp_path / "a") == before


def test_cli_reports_errors_in_words(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("mine")
    run = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "demo", "init", str(tmp_path / "x")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert "not empty" in run.stderr and "Traceback" not in run.stderr
