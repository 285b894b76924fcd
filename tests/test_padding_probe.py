"""The padding probe (chapter 12, experiment nsmc-padding): its variants change only the padding
side and the mask."""

from dataclasses import asdict, replace

import pytest
import torch

from probing_rnns import sentiment
from probing_rnns.experiments import EXPERIMENTS

VARIANTS = EXPERIMENTS["nsmc-padding"].variants
TINY = dict(
    train_size=300,
    val_size=100,
    test_size=100,
    max_len=40,
    batch_size=32,
    embed_dim=16,
    hidden_size=16,
)


def test_variants_differ_only_in_padding_side_and_mask():
    assert list(VARIANTS) == ["right-last", "left-last", "right-masked", "left-masked"]
    reference = asdict(VARIANTS["right-last"])
    for name, cfg in VARIANTS.items():
        changed = {key for key, value in asdict(cfg).items() if value != reference[key]}
        assert changed <= {"padding_side", "use_mask"}, name
        assert cfg.padding_side == name.split("-")[0] and cfg.use_mask == name.endswith("masked")
        # random batches (buckets would hold no padding to probe), the final state read by the
        # classifier
        assert not cfg.bucket and cfg.pooling == "last"


def test_with_a_mask_the_padding_side_changes_nothing_in_training():
    right, left = (
        sentiment.run(replace(VARIANTS[name], **TINY), progress=False)
        for name in ("right-masked", "left-masked")
    )
    torch.testing.assert_close(
        right.test_predictions.probs, left.test_predictions.probs, atol=1e-6, rtol=0
    )
    assert right.history[0]["train_loss"] == pytest.approx(left.history[0]["train_loss"], abs=1e-6)


def test_without_a_mask_the_padding_side_matters():
    right, left = (
        sentiment.run(replace(VARIANTS[name], **TINY), progress=False)
        for name in ("right-last", "left-last")
    )
    assert not torch.allclose(right.test_predictions.probs, left.test_predictions.probs)
