import math

import pytest
import torch
from torch import nn

from probing_rnns import decoding
from probing_rnns import language_model as lm
from probing_rnns.data import Review
from probing_rnns.vocab import Vocab

V = 11


def _model(cell: str = "lstm", hidden_size: int = 6) -> lm.LanguageModel:
    torch.manual_seed(0)
    return lm.LanguageModel(V, embed_dim=4, hidden_size=hidden_size, cell=cell)


class _Uniform(nn.Module):
    """Every next token equally likely: logits all zero."""

    def forward(self, ids, state=None):
        return torch.zeros(*ids.shape, V), state


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size():
    windows = lm.Windows(torch.randint(0, V, (1000,)), rows=4, bptt=7)
    nll = lm.mean_nll(_Uniform(), windows)
    assert lm.perplexity(nll) == pytest.approx(V)
    assert lm.bits_per_token(nll) == pytest.approx(math.log2(V))


def test_mean_nll_counts_every_target_once():
    model = _model()
    ids = torch.randint(0, V, (203,))
    rows = lm.stream_rows(ids, 4)  # (4, 50)
    logits, _ = model(rows[:, :-1])
    expected = nn.functional.cross_entropy(logits.flatten(0, 1), rows[:, 1:].flatten()).item()
    for bptt in (1, 7, 49, 100):  # carrying the state, the window length changes nothing
        assert lm.mean_nll(model, lm.Windows(ids, 4, bptt)) == pytest.approx(expected, rel=1e-5)
    assert lm.mean_nll(model, lm.Windows(ids, 4, 7), carry_state=False) != pytest.approx(
        expected, rel=1e-5
    )


def test_stream_rows_are_contiguous_slices():
    rows = lm.stream_rows(torch.arange(23), 3)
    # 23 mod 3 = 2 dropped
    assert rows.tolist() == [list(range(0, 7)), list(range(7, 14)), list(range(14, 21))]
    with pytest.raises(ValueError, match="too short"):
        lm.stream_rows(torch.arange(5), 3)


def test_windows_cover_each_row_with_targets_shifted_by_one():
    windows = list(lm.Windows(torch.arange(22), rows=2, bptt=4))  # rows 0..10 and 11..21
    assert [w.first for w in windows] == [True, False, False]
    assert [w.inputs[0].tolist() for w in windows] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [w.targets[0].tolist() for w in windows] == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
    assert windows[1].inputs[1].tolist() == [15, 16, 17, 18]
    assert len(lm.Windows(torch.arange(22), 2, 4)) == len(windows)


class _Recorder(nn.Module):
    """Wraps a model and records the state each call starts from."""

    def __init__(self, model):
        super().__init__()
        self.model, self.starts = model, []

    def forward(self, ids, state=None):
        self.starts.append(state)
        return self.model(ids, state)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_carried_state_starts_the_next_window_detached(cell):
    recorder = _Recorder(_model(cell))
    loss_fn = lm.TruncatedBPTT(carry_state=True)
    w1, w2, w3 = list(lm.Windows(torch.randint(0, V, (60,)), rows=3, bptt=5))[:3]
    loss_fn(recorder, w1).backward()
    end_of_first = loss_fn.state
    loss_fn(recorder, w2).backward()
    assert recorder.starts[0] is None  # the first window starts from zeros
    for start, end in zip(
        *(s if isinstance(s, tuple) else (s,) for s in (recorder.starts[1], end_of_first))
    ):
        assert torch.equal(start, end) and not start.requires_grad
    # Detaching changes no value: two carried windows end where one unbroken pass over both ends.
    _, whole = recorder.model(torch.cat([w1.inputs, w2.inputs], dim=1))
    for carried, unbroken in zip(
        *(s if isinstance(s, tuple) else (s,) for s in (loss_fn.state, whole))
    ):
        assert torch.allclose(carried, unbroken, atol=1e-6)
    independent = lm.TruncatedBPTT(carry_state=False)
    independent(recorder, w3)
    assert recorder.starts[-1] is None


def test_a_new_pass_over_the_stream_starts_from_zeros():
    recorder = _Recorder(_model())
    loss_fn = lm.TruncatedBPTT(carry_state=True)
    windows = lm.Windows(torch.randint(0, V, (40,)), rows=2, bptt=4)
    for _ in range(2):
        for window in windows:
            loss_fn(recorder, window)
    assert [s is None for s in recorder.starts] == [True, False, False, False, False] * 2


def test_parameter_count_formula_and_matched_sizes():
    for cell in ("rnn", "lstm", "gru"):
        model = lm.LanguageModel(V, 4, 6, cell)
        assert lm.parameter_count(cell, 6, V, 4) == sum(p.numel() for p in model.parameters())
    reference = lm.Config()
    vocab_size = reference.max_vocab + 4
    target = lm.parameter_count("lstm", reference.hidden_size, vocab_size, reference.embed_dim)
    for cell in ("rnn", "gru"):
        size = lm.matched_hidden_size(cell, reference)
        assert size > reference.hidden_size  # fewer gates, so more units for the same parameters
        assert (
            abs(lm.parameter_count(cell, size, vocab_size, reference.embed_dim) / target - 1) < 0.01
        )


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_step_reads_one_token_at_a_time_like_forward(cell):
    model = _model(cell).eval()
    ids = torch.randint(0, V, (3, 6))
    logits, _ = model(ids)
    state = model.zero_state(3)
    for t in range(6):
        log_probs, state = model.step(ids[:, t], state)
        assert torch.allclose(log_probs, logits[:, t].log_softmax(-1), atol=1e-5)


def _tiny_vocab() -> Vocab:
    return Vocab(["<pad>", "<unk>", "<bos>", "<eos>", "▁", "좋", "다", "영", "화", "재", "미"])


def test_generation_is_reproducible_and_greedy_at_temperature_zero():
    model, vocab = _model(), _tiny_vocab()

    def draw(seed):
        return lm.generate(
            model, vocab, "영화", max_len=12, generator=torch.Generator().manual_seed(seed)
        )

    assert draw(0) == draw(0)
    assert draw(0).startswith("영화")
    first, state = lm.read_prompt(model, vocab, "영화")
    greedy = decoding.greedy(model.step, state, first, vocab.eos_id, 12)
    text = lm.generate(model, vocab, "영화", max_len=12, temperature=0)
    assert text == "영화" + "".join(vocab.decode(greedy.tokens)).replace("▁", " ")
    assert lm.generate(model, vocab, "영화", max_len=12, top_k=1) == text
    # beam search of width 1 is greedy
    assert lm.generate(model, vocab, "영화", max_len=12, beam_size=1) == text


def test_prompt_state_is_the_state_after_reading_eos_and_the_prompt():
    model, vocab = _model().eval(), _tiny_vocab()
    first, state = lm.read_prompt(model, vocab, "재미")
    assert first == vocab.stoi["미"]
    _, expected = model(torch.tensor([[vocab.eos_id, vocab.stoi["재"]]]))
    for got, want in zip(state, expected):
        assert torch.allclose(got, want.transpose(0, 1))
    assert lm.read_prompt(model, vocab, "")[0] == vocab.eos_id  # no prompt: a review from its start


def test_review_stream_ends_each_review_with_eos_within_the_budget():
    vocab = _tiny_vocab()
    reviews = [Review("좋다", 1), Review("영화 재미", 0), Review("좋다", 1)]
    stream = lm.review_stream(reviews, vocab, max_tokens=8)
    assert vocab.decode(stream.tolist(), skip_specials=False) == [
        "좋",
        "다",
        "<eos>",
        "영",
        "화",
        "▁",
        "재",
        "미",
    ]
    assert lm.review_stream([Review("좋아", 1)], vocab, 10).tolist() == [5, 1, 3]  # 아 is unknown
    labelled = Vocab(vocab.itos + list(lm.SENTIMENT_TOKENS))
    stream = lm.review_stream(reviews, labelled, max_tokens=20, sentiment_prefix=True)
    assert labelled.decode(stream.tolist(), skip_specials=False)[:9] == [
        "<긍정>",
        "좋",
        "다",
        "<eos>",
        "<부정>",
        "영",
        "화",
        "▁",
        "재",
    ]


def test_sentiment_conditioning():
    vocab = Vocab(_tiny_vocab().itos + list(lm.SENTIMENT_TOKENS))  # V + 2 tokens
    torch.manual_seed(0)
    model = lm.LanguageModel(len(vocab), 4, 6, "gru").eval()
    first, state = lm.read_prompt(model, vocab, "", sentiment=1)
    assert first == vocab.stoi["<긍정>"]
    _, expected = model(torch.tensor([[vocab.eos_id]]))
    assert torch.allclose(state, expected.transpose(0, 1))
    # Bayes' rule over the model's two joint probabilities, checked against a sum over the log-probs
    ids = [vocab.stoi[t] for t in "영화"] + [vocab.eos_id]
    joint = []
    for label in (0, 1):
        row = torch.tensor([[vocab.eos_id, vocab.stoi[lm.SENTIMENT_TOKENS[label]], *ids]])
        log_probs = model(row[:, :-1])[0].log_softmax(-1)[0]  # (T, V)
        joint.append(log_probs.gather(1, row[0, 1:, None]).sum().item())
    expected_posterior = 1 / (1 + math.exp(joint[0] - joint[1]))
    assert lm.sentiment_posterior(model, vocab, "영화") == pytest.approx(
        expected_posterior, rel=1e-5
    )
    with pytest.raises(ValueError, match="sentiment_prefix"):
        lm.read_prompt(model, _tiny_vocab(), "", sentiment=0)


@pytest.mark.slow
def test_a_short_run_learns_something():
    from dataclasses import replace

    result = lm.run(
        replace(lm.Config(), train_tokens=20_000, val_tokens=5_000, test_tokens=5_000, epochs=1),
        progress=False,
    )
    assert result.metrics.test_perplexity < result.vocab_size / 3


def test_review_perplexity_reads_the_review_between_eos():
    vocab = _tiny_vocab()
    assert lm.review_perplexity(_Uniform(), vocab, "영화 재미") == pytest.approx(V)
    model = _model().eval()
    ids = torch.tensor([[3, 7, 8, 4, 9, 10, 3]])  # <eos> 영 화 ▁ 재 미 <eos>
    logits, _ = model(ids[:, :-1])
    expected = math.exp(nn.functional.cross_entropy(logits[0], ids[0, 1:]).item())
    assert lm.review_perplexity(model, vocab, "영화 재미") == pytest.approx(expected)
