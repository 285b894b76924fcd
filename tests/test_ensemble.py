"""Ensembles of sentiment classifiers (probing_rnns.ensemble) on a tiny setting: a few hundred
reviews, one epoch, widths of 16; each test takes seconds."""

import json
from dataclasses import asdict, replace

import pytest
import torch

from probing_rnns import data, ensemble, experiments, sentiment, tokenizers
from probing_rnns.batching import loader_order
from probing_rnns.run_result import SavingTask, StoredResult, as_json

TINY = dict(
    train_size=300,
    val_size=100,
    test_size=120,
    epochs=1,
    batch_size=32,
    embed_dim=16,
    hidden_size=16,
    min_freq=1,
)
# the registered members' model (nsmc-combined's BiGRU, max pooling, warm-up) at the tiny sizes
TINY_COMBINED = replace(experiments.COMBINED, **TINY)


@pytest.fixture(scope="module")
def views():
    """Syllable and jamo members: their bucketed loaders order the same reviews differently."""
    return ensemble.run(ensemble.Config.of(TINY_COMBINED, ("syllable", "jamo")), progress=False)


def split_reviews(cfg: sentiment.Config, split: str) -> list[data.Review]:
    """The reviews of a split in the split's own order, drawn as sentiment.prepare_data draws
    them."""
    if split == "test":
        return data.subsample(data.load_nsmc("test"), cfg.test_size, seed=data.DATA_SEED)
    return data.train_val_split(data.load_nsmc("train"), cfg.val_size, seed=data.DATA_SEED)[1]


def one_by_one(member: sentiment.SentimentRun, reviews: list[data.Review]) -> torch.Tensor:
    """(N,) a member's positive probability for each review, read alone (no loader, no batch)."""
    return torch.tensor(
        [
            sentiment.predict_text(
                member.model, member.vocab, member.config, r.text, member.data.tokenizer
            ).positive
            for r in reviews
        ]
    )


@pytest.mark.parametrize("split", ["val", "test"])
def test_the_ensemble_averages_its_members_review_by_review(views, split):
    found = getattr(views, split)
    reviews = split_reviews(views.members[0].config, split)
    orders = [loader_order(getattr(m.data, split)) for m in views.members]
    assert orders[0] != orders[1]  # the loaders disagree: aligning by review is needed
    expected = torch.stack([one_by_one(m, reviews) for m in views.members]).mean(dim=0)  # (N,)
    assert found.member_probs.shape == (2, len(reviews))
    assert torch.allclose(found.probs, expected, atol=1e-5)
    assert found.labels.tolist() == [r.label for r in reviews]
    accuracy = ((expected >= 0.5).long() == found.labels).float().mean().item()
    assert getattr(views.metrics, f"{split}_accuracy") == pytest.approx(accuracy)


def test_members_are_listed_with_their_own_scores(views):
    members = ensemble.member_configs(views.config)
    assert [m.config for m in views.members] == list(members)
    assert [m.tokenizer for m in members] == ["syllable", "jamo"]
    assert views.metrics.member_test_accuracy == tuple(
        m.metrics.test_accuracy for m in views.members
    )
    assert views.params == sum(m.params for m in views.members)
    assert views.train_seconds == sum(m.train_seconds for m in views.members)
    assert views.vocab_size == {
        f"{i}-{m.tokenizer}": r.vocab_size for i, (m, r) in enumerate(zip(members, views.members))
    }
    assert [h["member"] for h in views.history] == [0, 1]


def test_an_ensemble_of_one_is_its_members_own_run():
    cfg = ensemble.Config.of(replace(TINY_COMBINED, seed=3), ("syllable",))
    (member,) = ensemble.member_configs(cfg)
    assert member == replace(TINY_COMBINED, seed=3)  # member 0 keeps the ensemble's seed
    alone, one = sentiment.run(member, progress=False), ensemble.run(cfg, progress=False)
    test = ensemble.in_review_order(alone.test_predictions, alone.data.test)
    assert torch.equal(one.test.probs, test.probs)
    assert (one.metrics.test_accuracy, one.metrics.test_f1, one.metrics.val_accuracy) == (
        alone.metrics.test_accuracy,
        alone.metrics.test_f1,
        alone.metrics.val_accuracy,
    )
    assert one.metrics.test_confusion == alone.metrics.test_confusion
    assert (one.params, one.epochs) == (alone.params, alone.epochs)


def test_members_of_one_view_differ_by_their_seeds():
    cfg = ensemble.Config.of(replace(TINY_COMBINED, seed=2), ("syllable",) * 2)
    assert [m.seed for m in ensemble.member_configs(cfg)] == [2, 1002]
    found = ensemble.run(cfg, progress=False).test.member_probs  # (2, N)
    assert not torch.allclose(found[0], found[1])


def test_the_registered_ensembles():
    spec = experiments.EXPERIMENTS["nsmc-ensemble"]
    combined = experiments.EXPERIMENTS["nsmc-combined"].variants["bigru-max-warmup-5ep"]
    for name, views in [
        ("views", ("syllable", "okt", "bpe", "jamo")),
        ("syllable-x4", ("syllable",) * 4),
    ]:
        members = ensemble.member_configs(replace(spec.variants[name], seed=1))
        seeds = [m.seed for m in members]
        assert len(members) == 4 and len(set(seeds)) == 4 and seeds[0] == 1
        # members differ from nsmc-combined's model only in their view, seed, length limit and
        # epochs (3, not 5)
        shared = replace(combined, max_len=256, epochs=3)
        assert all(m == replace(shared, tokenizer=m.tokenizer, seed=m.seed) for m in members)
        assert members[0] == replace(shared, seed=1)
        assert tuple(m.tokenizer for m in members) == views


def test_bad_configs_are_refused():
    with pytest.raises(ValueError, match="views"):
        ensemble.Config(views=())
    with pytest.raises(ValueError, match="views"):
        ensemble.Config(tokenizer="okt", views=("syllable",))


def test_ensemble_is_a_task_that_keeps_its_models():
    assert isinstance(ensemble, SavingTask)


REVIEW = "배우들 연기가 정말 좋았다"


def test_a_saved_ensemble_reads_a_review_as_its_run_averaged(views, tmp_path):
    ensemble.save_run(views, tmp_path / "views.pt")
    loaded = ensemble.load_ensemble(tmp_path / "views.pt", "ensemble")
    assert (loaded.cfg, loaded.metrics) == (views.config, as_json(asdict(views.metrics)))
    assert [m.name for m in loaded.members] == ["0-syllable", "1-jamo"]
    assert [m.metrics for m in loaded.members] == [asdict(m.metrics) for m in views.members]
    in_memory = [
        sentiment.predict_text(m.model, m.vocab, m.config, REVIEW, m.data.tokenizer)
        for m in views.members
    ]
    found = loaded.predict(REVIEW)
    assert [m.predict(REVIEW) for m in loaded.members] == in_memory
    assert found.positive == torch.tensor([p.positive for p in in_memory]).mean().item()
    assert found.label == ("긍정" if found.positive >= 0.5 else "부정")
    assert min(p.positive for p in in_memory) < found.positive < max(p.positive for p in in_memory)
    # review by review, the probability the run measured on validation
    reviews = split_reviews(views.members[0].config, "val")[:20]
    alone = torch.tensor([loaded.predict(r.text).positive for r in reviews])
    assert torch.allclose(alone, views.val.probs[:20], atol=1e-5)


def test_a_result_reads_back_with_its_members(views, tmp_path):
    record = {"experiment": "nsmc-ensemble", "model": "views", "seed": 0, **views.to_json()}
    path = tmp_path / "views-seed0.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    stored = StoredResult.from_json(json.loads(path.read_text(encoding="utf-8")), path, ensemble)
    assert (stored.config, stored.metrics) == (views.config, views.metrics)
    assert isinstance(stored.metrics.member_test_accuracy, tuple)
    assert stored.config.views == ("syllable", "jamo")
    assert stored.measured() == views.to_json()


def test_the_runner_runs_summarizes_and_verifies_an_ensemble(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(experiments.RESULTS_ENV, str(tmp_path))
    tiny = [f"{k}={v}" for k, v in TINY.items()]
    run = ["--models", "syllable-x4", "--seeds", "0", "--set", *tiny, "views=syllable,jamo"]
    experiments.main(["run", "nsmc-ensemble", *run])
    (path,) = (tmp_path / "nsmc-ensemble").glob("*.json")
    (stored,) = experiments.load_results("nsmc-ensemble")
    assert stored.config == replace(
        experiments.EXPERIMENTS["nsmc-ensemble"].variants["syllable-x4"],
        **TINY,
        views=("syllable", "jamo"),
    )
    assert json.loads(path.read_text())["config"]["views"] == ["syllable", "jamo"]
    (row,) = experiments.summarize("nsmc-ensemble", include_overrides=True)
    assert row["test_accuracy"] == stored.metrics.test_accuracy and row["seeds"] == 1
    # bit for bit, or SystemExit; the re-trained ensemble is kept beside its result
    experiments.main(["verify", "nsmc-ensemble", "--seeds", "0", "--save-model"])
    assert "identical" in capsys.readouterr().out
    saved = ensemble.load_ensemble(experiments.model_path("nsmc-ensemble", stored.model, 0), "e")
    assert saved.metrics == json.loads(path.read_text())["metrics"]


@pytest.mark.slow
def test_the_four_views_run_at_a_tiny_scale(tmp_path, monkeypatch):
    """Okt (a JVM), a BPE model learned from the 300 training reviews, syllables and jamo."""
    monkeypatch.setenv(tokenizers.CACHE_ENV, str(tmp_path / "cache"))
    cfg = replace(experiments.EXPERIMENTS["nsmc-ensemble"].variants["views"], **TINY)
    result = ensemble.run(cfg, progress=False)
    assert [m.data.tokenizer.name for m in result.members] == [
        "syllable",
        "okt",
        "bpe-8000",
        "jamo",
    ]
    assert result.test.member_probs.shape == (4, TINY["test_size"])
    assert len(set(result.vocab_size.values())) == 4
