"""Progress bars reach the terminal's stderr, though pose mutes fd 2 for the native libraries' chatter while
the first bar starts; `-q` prints none."""

from __future__ import annotations

from tests.cli.test_cli_errors import foley
from tests.conftest import make_video


def test_the_bars_are_shown_and_quiet_hides_them(tmp_path):
    video = make_video(tmp_path / "v.mp4", n_frames=45)
    shown = foley(video, "-o", tmp_path / "a_foley.mp4", "--no-cache")
    assert shown.returncode == 0, shown.stderr
    assert "pose:   0%|" in shown.stderr and "/45 [" in shown.stderr, shown.stderr[-2000:]
    quiet = foley(video, "-o", tmp_path / "b_foley.mp4", "--no-cache", "-q")
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
