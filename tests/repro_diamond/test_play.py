"""The play mode's pieces: a rollout GIF (generated | game) and the terminal picture."""
import numpy as np
from PIL import Image

from reproductions.diamond import play


def test_gif_has_one_frame_per_action_and_both_panels(tmp_path):
    gen = np.zeros((5, 1, 6, 6), np.float32)
    truth = np.ones((5, 1, 6, 6), np.float32)
    for t in range(5):                      # frames differ (Pillow merges identical ones)
        truth[t, 0, 5, t] = 0.0
    path = tmp_path / "r.gif"
    play.write_gif(path, gen, truth, zoom=2)
    im = Image.open(path)
    assert im.n_frames == 5 and im.size == (2 * 13, 2 * 6)
    rgb = np.asarray(im.convert("RGB"))
    assert rgb[:, :12].max() == 0 and rgb[:10, -12:].min() == 255   # generated left, game right


def test_ascii_frame_marks_bright_pixels():
    frame = np.zeros((1, 2, 3), np.float32)
    frame[0, 1, 2] = 1.0
    assert play.ascii_frame(frame) == "   \n  #"
