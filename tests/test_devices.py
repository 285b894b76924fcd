"""One device setting, resolved once (probing_rnns.devices), and every entry point that honours it.

There is no GPU here: "auto" must resolve to the CPU, a missing device must be a clear error, the
CPU path must give the numbers of a library that never moved anything, and the "meta" device (shapes
without numbers) catches a tensor created on the CPU inside a model that lives elsewhere.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, replace
from typing import NamedTuple

import pytest
import torch

from probing_rnns import (
    decoding,
    devices,
    distributed,
    experiments,
    language_model,
    probes,
    provenance,
    sentiment,
    training,
    translation,
)
from probing_rnns.batching import Batch, PairBatch, pad_batch

META = torch.device("meta")
HAS_CUDA = torch.cuda.is_available()
TINY_SENTIMENT = sentiment.Config(
    train_size=300,
    val_size=100,
    test_size=100,
    epochs=1,
    batch_size=32,
    embed_dim=8,
    hidden_size=8,
    max_len=30,
)
TINY_TRANSLATION = translation.Config(
    src_tokenizer="syllable",
    train_size=300,
    val_size=50,
    test_size=50,
    epochs=1,
    embed_dim=16,
    hidden_size=16,
    max_output_len=8,
)


# ---------------------------------------------------------------- resolving a setting


def test_auto_is_the_gpu_when_there_is_one_else_the_cpu():
    expected = torch.device("cuda", 0) if HAS_CUDA else torch.device("cpu")
    assert devices.resolve_device("auto") == expected
    assert devices.resolve_device() == devices.resolve_device("auto")
    assert training.TrainConfig().device == "auto" and training.TrainConfig().amp is False


def test_explicit_devices_resolve_to_themselves():
    assert devices.resolve_device("cpu") == torch.device("cpu")
    assert devices.resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert devices.resolve_device("meta") == META


@pytest.mark.skipif(HAS_CUDA, reason="this machine has a GPU")
@pytest.mark.parametrize("spec", ["cuda", "cuda:1"])
def test_a_gpu_this_machine_lacks_is_a_clear_korean_error(spec):
    with pytest.raises(ValueError, match="CUDA GPU가 없습니다.*device='cpu'"):
        devices.resolve_device(spec)


def test_a_gpu_index_beyond_the_machine_is_an_error():
    message = "GPU 99번이 없습니다" if HAS_CUDA else "CUDA GPU가 없습니다"
    with pytest.raises(ValueError, match=message):
        devices.resolve_device("cuda:99")


@pytest.mark.parametrize(
    "spec, message",
    [("gpu", "알 수 없는 장치"), ("cuda:x", "알 수 없는 장치"), ("mps", "지원하지 않습니다")],
)
def test_unknown_and_unsupported_devices_are_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        devices.resolve_device(spec)


def test_fit_refuses_a_missing_device_before_it_trains():
    model = torch.nn.Linear(2, 2)
    before = [p.clone() for p in model.parameters()]
    with pytest.raises(ValueError, match="장치 'cuda:99'"):
        cfg = training.TrainConfig(device="cuda:99")
        training.fit(model, [], [], cfg, None, None, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


# ---------------------------------------------------------------- moving things


class Pair(NamedTuple):
    left: torch.Tensor
    right: int


@dataclass(frozen=True)
class Frozen:
    x: torch.Tensor
    note: str


def test_to_device_moves_every_tensor_of_a_batch_and_keeps_the_rest():
    batch = PairBatch(pad_batch([[3, 4], [5]]), pad_batch([[1, 6, 2]]))
    moved = devices.to_device(batch, META)
    assert isinstance(moved, PairBatch) and isinstance(moved.src, Batch)
    assert {t.device for t in (moved.src.ids, moved.src.mask, moved.tgt.lengths)} == {META}
    assert moved.src.ids.shape == (2, 2) and moved.src.labels is None
    assert batch.src.ids.device.type == "cpu"  # the original batch is left where it was

    shard = devices.to_device(distributed.Shard(batch.src, 0.5), META)
    assert shard.weight == 0.5 and shard.batch.ids.device == META
    window = language_model.Window(torch.zeros(2, 3), torch.ones(2, 3), True)
    window = devices.to_device(window, META)
    assert window.first is True and window.targets.device == META
    nested = devices.to_device(
        {
            "state": (torch.zeros(1), [torch.ones(2)]),
            "pair": Pair(torch.zeros(1), 3),
            "frozen": Frozen(torch.zeros(1), "n"),
            "n": 7,
        },
        META,
    )
    assert nested["state"][0].device == META and nested["state"][1][0].device == META
    assert isinstance(nested["pair"], Pair) and nested["pair"] == (nested["pair"].left, 3)
    assert nested["frozen"].x.device == META and nested["frozen"].note == "n" and nested["n"] == 7


def test_on_the_cpu_moving_is_a_no_op():
    tensor, model = torch.randn(3), torch.nn.Linear(2, 2)
    assert devices.to_device(tensor, "cpu") is tensor  # no copy: the numbers cannot change
    weight = model.weight
    assert devices.to_device(model, torch.device("cpu")) is model and model.weight is weight


def test_device_of_finds_the_first_tensor():
    assert devices.device_of(torch.nn.Linear(2, 2).to(META)) == META
    assert devices.device_of(torch.nn.ReLU()) == torch.device("cpu")  # nothing to look at
    # e.g. a decoder's state whose (empty) caches come first
    state = ((), ((torch.zeros(1, device=META), None), torch.zeros(1)))
    assert devices.device_of(state) == META
    assert devices.device_of(PairBatch(pad_batch([[3]]), pad_batch([[1]]))) == torch.device("cpu")


# ---------------------------------------------------------------- meta: shapes, no stray CPU tensor


@pytest.mark.parametrize("impl", ["torch", "ours"])
@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
def test_a_classifier_on_meta_runs_forward_and_backward_without_mixing_devices(impl, pooling):
    cfg = replace(
        sentiment.Config(),
        impl=impl,
        pooling=pooling,
        embed_dim=8,
        hidden_size=8,
        bidirectional=True,
    )
    model = devices.to_device(sentiment.build_model(cfg, 20), META)
    batch = devices.to_device(pad_batch([[3, 4, 5], [6, 7, 8]]), META)  # no padding: no mask
    logits = sentiment.logits_of(model, batch, use_mask=False)
    assert logits.shape == (2, 2) and logits.device == META
    logits.sum().backward()
    assert all(p.grad.device == META for p in model.parameters() if p.grad is not None)


@pytest.mark.parametrize("attention", ["none", "dot", "general", "concat"])
def test_a_translator_on_meta_encodes_and_decodes_without_mixing_devices(attention):
    cfg = replace(TINY_TRANSLATION, attention=attention)
    model = devices.to_device(translation.build_model(cfg, 20, 30), META)
    src = devices.to_device(pad_batch([[3, 4, 5], [6]]), META)
    tgt = devices.to_device(pad_batch([[1, 7, 8, 2], [1, 9, 2]]), META)
    hidden, memory, _ = model.encode(src.ids, None)  # a masked encoder asks if there is padding
    log_probs, state, _ = model.decoder(tgt.ids[:, :-1], (hidden, memory, src.mask))  # (B, T-1, V)
    assert log_probs.shape == (2, 3, 30) and log_probs.device == META
    step, _ = model.step(tgt.ids[:, 0], state)  # the decoding contract
    assert step.shape == (2, 30) and step.device == META


def test_a_language_model_on_meta_reads_and_steps_without_mixing_devices():
    cfg = language_model.Config(embed_dim=8, hidden_size=8)
    model = devices.to_device(language_model.build_model(cfg, 25), META)
    ids = torch.zeros(2, 5, dtype=torch.long)  # (B, T + 1)
    window = devices.to_device(language_model.Window(ids[:, :-1], ids[:, 1:], True), META)
    loss = language_model.TruncatedBPTT()(model, window)
    assert loss.device == META
    log_probs, _ = model.step(window.inputs[:, 0], model.zero_state(2))
    assert log_probs.shape == (2, 25) and log_probs.device == META


def test_the_probes_summaries_stay_on_the_device_of_their_input():
    values = torch.zeros(4, 3, 5, device=META)  # (N, T, H)
    target = torch.zeros(4, device=META)  # (N,)
    for summary in ("last", "mean"):
        assert probes.units_correlated_with(values, None, target, summary).device == META
    assert {v.device for v in probes.gate_saturation(values).values()} == {META}


# ---------------------------------------------------------------- entry points take a device


def test_every_task_config_takes_a_device_from_the_command_line():
    for config_class in (sentiment.Config, translation.Config, language_model.Config):
        overrides = experiments.parse_overrides(["device=cpu", "amp=true"], config_class)
        assert overrides == {"device": "cpu", "amp": True}
    stored = {
        k: v
        for k, v in experiments.as_json(asdict(TINY_SENTIMENT)).items()
        if k not in ("device", "amp")
    }  # a result stored before the fields existed
    assert experiments.config_from_dict(sentiment.Config, stored) == TINY_SENTIMENT


class Spy:
    """Records what goes through `devices.to_device`, and to where."""

    def __init__(self, monkeypatch):
        self.moves: list[tuple[str, torch.device]] = []
        original = devices.to_device

        def spy(obj, device):
            self.moves.append((type(obj).__name__, torch.device(device)))
            return original(obj, device)

        monkeypatch.setattr(devices, "to_device", spy)


def test_fit_and_predict_move_the_model_and_every_batch(monkeypatch):
    spy = Spy(monkeypatch)
    result = sentiment.run(replace(TINY_SENTIMENT, device="cpu"), progress=False)
    cpu = torch.device("cpu")
    batches = len(result.data.train) + 2 * len(result.data.val) + len(result.data.test)
    assert ("Classifier", cpu) in spy.moves
    assert spy.moves.count(("Batch", cpu)) == batches  # train, validation (in fit, after), test
    assert result.test_predictions.probs.device == cpu


def test_a_tiny_fit_and_beam_search_on_an_explicit_cpu_match_auto():
    runs = {
        device: translation.train(replace(TINY_TRANSLATION, device=device), progress=False)
        for device in ("cpu", "auto")
    }
    sources = [ko for ko, _ in runs["cpu"].corpus.splits["test"][:5]]
    found = {}
    for device, trained in runs.items():
        assert devices.device_of(trained.model) == devices.resolve_device(device)
        assert [h["train_loss"] for h in trained.history] and trained.history[0]["val_score"] < 0
        encode = trained.corpus.src_vocab.encode
        found[device] = [
            translation.translate_ids(trained.model, encode(ko), beam_size=3, max_len=8)
            for ko in sources
        ]
    if not HAS_CUDA:  # "auto" is the CPU here: the same weights, the same beams
        assert found["cpu"] == found["auto"]
        losses = [[h["train_loss"] for h in run.history] for run in runs.values()]
        assert losses[0] == losses[1]
    assert all(len(ids) <= 8 for ids in found["cpu"])


def test_a_saved_model_loads_on_the_device_asked_for(tmp_path):
    result = sentiment.run(TINY_SENTIMENT, progress=False)
    path = tmp_path / "m.pt"
    sentiment.save_classifier(
        path,
        result.model,
        TINY_SENTIMENT,
        result.vocab,
        result.data.tokenizer,
        asdict(result.metrics),
    )
    loaded = sentiment.load_classifier(path, "tiny", device="cpu")
    assert devices.device_of(loaded.model) == torch.device("cpu")
    assert loaded.predict("정말 재미있다").label in ("긍정", "부정")
    if not HAS_CUDA:
        with pytest.raises(ValueError, match="CUDA GPU가 없습니다"):
            sentiment.load_classifier(path, "tiny", device="cuda")


def test_sampling_with_a_seeded_generator_draws_where_the_generator_lives():
    probs = torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])
    first = decoding.draw(probs, torch.Generator().manual_seed(3))
    again = decoding.draw(probs, torch.Generator().manual_seed(3))
    assert torch.equal(first, again) and first.shape == (2,) and first[1] != 2


# ---------------------------------------------------------------- mixed precision, provenance


def test_amp_on_the_cpu_is_ignored_with_a_note_and_changes_no_number():
    with pytest.warns(UserWarning, match="amp=True"):
        assert devices.amp_enabled(torch.device("cpu"), True) is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not asked for: no note
        assert devices.amp_enabled(torch.device("cpu"), False) is False
    plain = sentiment.run(TINY_SENTIMENT, progress=False)
    with pytest.warns(UserWarning, match="amp=True"):
        mixed = sentiment.run(replace(TINY_SENTIMENT, amp=True), progress=False)
    assert plain.metrics == mixed.metrics
    losses = [[h["train_loss"] for h in run.history] for run in (plain, mixed)]
    assert losses[0] == losses[1]


def test_results_record_the_resolved_device():
    cpu = provenance.current_environment("test", torch.device("cpu"))
    assert cpu.device == f"cpu ({provenance.cpu_name()})"  # the format stored results already have
    assert provenance.current_environment("test").device == cpu.device
    assert provenance.device_name(META) == "meta"


def test_the_runner_records_the_device_it_trained_on(tmp_path, monkeypatch):
    monkeypatch.setenv(experiments.RESULTS_ENV, str(tmp_path))
    recorded = []

    def environment(command, device):
        recorded.append(device)
        return provenance.current_environment(command, device)

    monkeypatch.setattr(experiments, "current_environment", environment)
    monkeypatch.setattr(experiments, "measure", lambda *args, **kwargs: None)  # nothing to train
    experiments.run("nsmc-cells", ["rnn"], [0], {"device": "cpu"}, "test")
    experiments.run("nsmc-cells", ["rnn"], [0], {}, "test")
    assert recorded == [torch.device("cpu"), devices.resolve_device("auto")]
