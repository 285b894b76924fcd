"""The runner's full-scale probes (experiment nsmc-probes), on a tiny budget."""

import json

import pytest
import torch

from probing_rnns import experiments, sentiment
from probing_rnns.probes import gradient_norms_by_position
from probing_rnns.training import set_seed

TINY = [
    "train_size=300",
    "val_size=100",
    "test_size=100",
    "epochs=1",
    "hidden_size=8",
    "embed_dim=8",
]


def test_probe_records_gradients_before_and_after_training_and_lstm_units(tmp_path, monkeypatch):
    monkeypatch.setenv(experiments.RESULTS_ENV, str(tmp_path))
    experiments.main(
        ["run", "nsmc-probes", "--models", "lstm", "gru", "--seeds", "0", "--set", *TINY]
    )
    (lstm_file,), (gru_file,) = (
        (tmp_path / "nsmc-probes").glob(f"{m}+*-seed0.json") for m in ("lstm", "gru")
    )
    lstm, gru = (json.loads(f.read_text())["probes"] for f in (lstm_file, gru_file))
    for probes in (lstm, gru):
        assert probes["gradient_reviews"] > 0
        assert set(probes["gradient_norms"]) == {"init", "trained"}
        assert all(
            len(norms) == experiments.GRADIENT_LENGTH for norms in probes["gradient_norms"].values()
        )
    assert "lstm" not in gru, "unit statistics read an LSTM only"
    for phase in ("init", "trained"):
        stats = lstm["lstm"][phase]
        assert 0 <= stats["max_abs_corr"] <= 1 and 0 <= stats["units_abs_corr_above_0.5"] <= 8
        for sides in stats["saturation"].values():
            assert len(sides["left"]) == len(sides["right"]) == 8
            assert all(0 <= a + b <= 1 for a, b in zip(sides["left"], sides["right"]))
    assert lstm["gradient_norms"]["init"] != lstm["gradient_norms"]["trained"], (
        "training changed the weights"
    )


def test_init_gradients_are_those_of_the_seeds_initial_weights():
    """probe_cells rebuilds the untrained model from the seed: it must be the model run() started
    from."""
    cfg = sentiment.Config(
        cell="rnn",
        train_size=300,
        val_size=100,
        test_size=100,
        epochs=1,
        hidden_size=8,
        embed_dim=8,
        lr=0.0,  # lr 0: the trained weights stay the initial ones
        weight_decay=0.0,
    )
    result = sentiment.run(cfg, progress=False)
    probes = experiments.probe_cells(cfg, result)
    assert probes["gradient_norms"]["init"] == pytest.approx(probes["gradient_norms"]["trained"])
    ids, labels = sentiment.reviews_of_length(experiments.GRADIENT_LENGTH, result.vocab)
    set_seed(cfg.seed + 1)  # another seed's initial weights give other numbers
    other = gradient_norms_by_position(sentiment.build_model(cfg, len(result.vocab)), ids, labels)
    assert not torch.allclose(
        other, torch.tensor(probes["gradient_norms"]["init"], dtype=other.dtype)
    )


def test_reviews_of_length_are_exact_and_unpadded():
    vocab = sentiment.Vocab.build([list("좋은 영화")])
    ids, labels = sentiment.reviews_of_length(20, vocab)
    assert ids.shape == (len(labels), 20) and len(labels) > 0
    with pytest.raises(ValueError, match="exactly"):
        sentiment.reviews_of_length(10_000, vocab)
