import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager

from probing_rnns.plots import use_korean_font


def test_korean_text_renders_without_missing_glyphs():
    use_korean_font()
    assert "nanum" in font_manager.findfont(matplotlib.rcParams["font.family"][0]).lower()
    fig, ax = plt.subplots()
    ax.set_title("긍정 리뷰의 비율")  # tick labels at -1 need the ASCII minus (unicode_minus off)
    ax.plot([-1, 1], [-1, 1], label="음절 토큰화")
    ax.legend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would raise
        fig.canvas.draw()
    plt.close(fig)
