from probing_rnns.highlight import RED, highlight_tokens


def test_colour_and_depth_follow_the_sign_and_size_of_each_value():
    assert highlight_tokens(["좋", "▁", "<"], [0.5, -0.25, 0.0]) == (
        '<span title="+0.50" style="background: rgba(31, 119, 180, 1.00)">좋</span>'
        '<span title="-0.25" style="background: rgba(214, 39, 40, 0.50)"> </span>'  # ▁: a space
        '<span title="+0.00" style="background: rgba(214, 39, 40, 0.00)">&lt;</span>'
    )  # escaped


def test_a_fixed_scale_and_one_colour_for_weights():
    spans = highlight_tokens(["a", "b"], [0.2, 0.1], scale=0.4, positive=RED, title="{:.3f}")
    assert spans == (
        '<span title="0.200" style="background: rgba(214, 39, 40, 0.50)">a</span>'
        '<span title="0.100" style="background: rgba(214, 39, 40, 0.25)">b</span>'
    )
    assert highlight_tokens([], []) == ""
    assert "0.00)" in highlight_tokens(["a"], [0.0])  # all zeros: no division by 0
