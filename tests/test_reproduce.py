"""CI's guard on training behaviour: re-run one cheap stored result of each task and demand the same
numbers, bit for bit. A change that moves what training computes (an op order, a default, the data
split, the seeding) fails here, even when every unit test still passes.

Run by .ci/run (slow: about a minute each on one thread):  pytest -m slow tests/test_reproduce.py
"""

import pytest

from probing_rnns import experiments

CHEAP = [("lm-cells", "rnn"), ("nsmc-live", "rnn"), ("tatoeba-live", "dot")]  # ≤ ~1 minute each


@pytest.mark.slow
@pytest.mark.parametrize("experiment, model", CHEAP)
def test_a_stored_result_reproduces_bit_for_bit(experiment, model):
    (verdict,) = experiments.verify(experiment, models=[model], seeds=[0])
    assert verdict.identical, f"{verdict.path} moved ({verdict.note}):\n" + "\n".join(
        verdict.differences
    )
