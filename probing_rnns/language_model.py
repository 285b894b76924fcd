"""A syllable-level language model (언어 모델) on NSMC review text: next-syllable prediction with
truncated BPTT.

The reviews are joined into one stream, each ended by `<eos>`:  리뷰₁ <eos> 리뷰₂ <eos> …
The stream is cut into B rows read in parallel; each training step reads a window of k tokens of
every row and predicts the next token at each position, so the targets are the inputs shifted by
one:

    rows (B, N)    row b = the b-th contiguous slice of the stream
    window w       inputs rows[:, wk : wk+k]       targets rows[:, wk+1 : wk+k+1]

Truncated BPTT (잘린 BPTT): with `carry_state` the state at the end of window w starts window w+1,
detached, so the forward pass sees the whole row while gradients flow back at most k steps; without
it every window starts from zeros (independent windows). Perplexity (퍼플렉서티) = exp(cross-entropy
per token).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Iterator, Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from probing_rnns import data, decoding, devices
from probing_rnns.data import DATA_SEED
from probing_rnns.models import Encoder, count_parameters
from probing_rnns.run_result import RunResult
from probing_rnns.tokenizers import SyllableTokenizer
from probing_rnns.training import TrainConfig, fit, set_seed
from probing_rnns.vocab import SPECIALS, Vocab

VAL_REVIEWS = 10_000  # held out of NSMC train, as in the sentiment task (the same split)
# validation and test streams are read in this many rows, whatever the training batch
EVAL_ROWS = 32
GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # weight blocks per recurrent layer
# by NSMC label (0 negative, 1 positive): the condition of a conditional model
SENTIMENT_TOKENS = ("<부정>", "<긍정>")


@dataclass(frozen=True)
class Config(TrainConfig):
    """Every hyperparameter of a language-model run, saved with each result."""

    # data: budgets in tokens (syllables, ▁ and <eos>) of NSMC reviews, in a fixed shuffled order
    max_vocab: int = 1_500  # the most frequent NSMC train syllables (99.9% of tokens); rest → <unk>
    train_tokens: int = 400_000
    val_tokens: int = 50_000
    test_tokens: int = 100_000  # from NSMC test
    # each review starts with its label's token: a model of p(review | sentiment)
    sentiment_prefix: bool = False
    # model
    cell: str = "lstm"
    embed_dim: int = 64
    hidden_size: int = 128
    dropout: float = 0.0
    # truncated BPTT
    bptt: int = 32  # window length k
    carry_state: bool = True  # False: every window starts from a zero state (independent windows)
    # optimisation
    epochs: int = 2
    batch_size: int = 32  # B parallel rows of the stream
    lr: float = 3e-3


# The seeded setting chapter 19 trains live (under a minute on 2 CPU cores): the full experiments'
# training budget, smaller validation and test streams.
LIVE = Config(val_tokens=20_000, test_tokens=50_000)


# --------------------------------------------------------------------------------------------- data


@dataclass
class Streams:
    vocab: Vocab
    train: Tensor  # (N,) token ids
    val: Tensor
    test: Tensor


def sentiment_id(vocab: Vocab, label: int) -> int:
    """The id of the sentiment token of `label` (0 negative, 1 positive), with a clear error for an
    unconditional vocabulary."""
    token = SENTIMENT_TOKENS[label]
    if token not in vocab:
        raise ValueError(
            f"this vocabulary has no {token}: "
            "train with Config(sentiment_prefix=True) to condition on sentiment"
        )
    return vocab.stoi[token]


def review_stream(
    reviews: Sequence[data.Review], vocab: Vocab, max_tokens: int, sentiment_prefix: bool = False
) -> Tensor:
    """Reviews in order, each ended by <eos> (and started by its sentiment token if asked), until
    `max_tokens` tokens: ids (N,), N ≤ max_tokens."""
    tokenize, ids = SyllableTokenizer(), []
    for review in reviews:
        if len(ids) >= max_tokens:
            break
        condition = [sentiment_id(vocab, review.label)] if sentiment_prefix else []
        ids += condition + vocab.encode(tokenize(review.text), add_eos=True)
    return torch.tensor(ids[:max_tokens], dtype=torch.long)


def prepare_data(cfg: Config) -> Streams:
    """The vocabulary from all NSMC train (less validation); train/val/test streams within their
    budgets."""
    train, val = data.train_val_split(data.load_nsmc("train"), VAL_REVIEWS, seed=DATA_SEED)
    test = data.load_nsmc("test")
    test = data.subsample(test, len(test), seed=DATA_SEED)  # all of it, shuffled
    tokenize = SyllableTokenizer()
    vocab = Vocab.build((tokenize(r.text) for r in train), max_size=cfg.max_vocab)
    if cfg.sentiment_prefix:
        vocab = Vocab(vocab.itos + list(SENTIMENT_TOKENS))
    return Streams(
        vocab,
        *(
            review_stream(split, vocab, budget, cfg.sentiment_prefix)
            for split, budget in [
                (train, cfg.train_tokens),
                (val, cfg.val_tokens),
                (test, cfg.test_tokens),
            ]
        ),
    )


def stream_rows(ids: Tensor, rows: int) -> Tensor:
    """ids (N,) → (B, N // B): row b is the b-th contiguous slice of the stream; the last N mod B
    tokens are dropped."""
    length = len(ids) // rows
    if length < 2:
        raise ValueError(
            f"a stream of {len(ids)} tokens is too short for {rows} rows of at least 2 tokens"
        )
    return ids[: rows * length].view(rows, length)


@dataclass
class Window:
    inputs: Tensor  # (B, k)
    targets: Tensor  # (B, k): the inputs shifted by one
    first: bool  # the first window of a pass over the stream: its state starts at zeros


class Windows:
    """The consecutive windows of a stream in B rows, in order (an iterable with a length, as `fit`
    wants)."""

    def __init__(self, ids: Tensor, rows: int, bptt: int):
        if bptt < 1:
            raise ValueError(f"the BPTT window must be at least 1 token, got {bptt}")
        self.rows, self.bptt = stream_rows(ids, rows), bptt  # (B, L)

    def __len__(self) -> int:
        return math.ceil((self.rows.shape[1] - 1) / self.bptt)

    def __iter__(self) -> Iterator[Window]:
        last = self.rows.shape[1] - 1  # the final token of a row is a target only
        for start in range(0, last, self.bptt):
            end = min(start + self.bptt, last)
            yield Window(
                self.rows[:, start:end], self.rows[:, start + 1 : end + 1], first=start == 0
            )


# -------------------------------------------------------------------------------------------- model

State = Tensor | tuple[Tensor, Tensor]  # torch.nn's (L, B, H), or (h, c) for an LSTM


def swap_batch(state: State) -> State:
    """(L, B, H) ↔ (B, L, H) in every tensor: torch.nn wants layers first, `decoding` wants
    hypotheses first."""
    return (
        tuple(s.transpose(0, 1) for s in state)
        if isinstance(state, tuple)
        else state.transpose(0, 1)
    )


def detach(state: State) -> State:
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


class LanguageModel(nn.Module):
    """Embedding → recurrent layer (the classifier's `Encoder`) → linear: logits of the next token
    at every position."""

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int,
        hidden_size: int,
        cell: str = "lstm",
        dropout: float = 0.0,
    ):
        super().__init__()
        self.encoder = Encoder(vocab_size, embed_dim, hidden_size, cell)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """ids (B, T) and the state to start from (None: zeros) → logits (B, T, V) and the state
        after the last token."""
        outputs, state = self.encoder.rnn(self.encoder.embedding(ids), state)  # (B, T, H)
        return self.head(self.dropout(outputs)), state

    def step(self, tokens: Tensor, state: State) -> tuple[Tensor, State]:
        """The decoding contract: tokens (K,), state with K first → log-probs (K, V) and the new
        state."""
        logits, state = self(tokens[:, None], swap_batch(state))  # (K, 1, V)
        return F.log_softmax(logits[:, 0], dim=-1), swap_batch(state)

    def zero_state(self, batch_size: int) -> State:
        """The zero state with the batch first, as `step` takes it: (B, L, H), or a pair for an
        LSTM."""
        rnn = self.encoder.rnn
        zeros = rnn.weight_hh_l0.new_zeros(batch_size, rnn.num_layers, rnn.hidden_size)
        return (zeros, zeros.clone()) if isinstance(rnn, nn.LSTM) else zeros


def build_model(cfg: Config, vocab_size: int) -> LanguageModel:
    return LanguageModel(vocab_size, cfg.embed_dim, cfg.hidden_size, cfg.cell, cfg.dropout)


def parameter_count(cell: str, hidden_size: int, vocab_size: int, embed_dim: int) -> int:
    """Parameters of a one-layer LanguageModel: embedding V·E + G·H·(E + H + 2) recurrent + (H +
    1)·V head."""
    return (
        vocab_size * embed_dim
        + GATES[cell] * hidden_size * (embed_dim + hidden_size + 2)
        + (hidden_size + 1) * vocab_size
    )


def matched_hidden_size(cell: str, reference: Config) -> int:
    """The hidden size at which a `cell` model has the parameter count closest to the `reference`
    config's model."""
    vocab_size = reference.max_vocab + len(SPECIALS)
    target = parameter_count(reference.cell, reference.hidden_size, vocab_size, reference.embed_dim)
    return min(
        range(1, 4 * reference.hidden_size),
        key=lambda h: abs(parameter_count(cell, h, vocab_size, reference.embed_dim) - target),
    )


# -------------------------------------------------------------------------------- training, metrics


class TruncatedBPTT:
    """The loss of one window for `training.fit`: mean cross-entropy of the next token.

    With `carry_state` the window starts from the previous window's final state, detached (gradients
    stop at the window's start); the first window of a pass, or every window without `carry_state`,
    starts from zeros.
    """

    def __init__(self, carry_state: bool = True):
        # the detached state after the last window read
        self.carry_state, self.state = carry_state, None

    def __call__(self, model: LanguageModel, window: Window) -> Tensor:
        start = self.state if self.carry_state and not window.first else None
        logits, state = model(window.inputs, start)  # (B, k, V)
        self.state = detach(state)
        return F.cross_entropy(logits.flatten(0, 1), window.targets.flatten())


@torch.no_grad()
def mean_nll(model: nn.Module, windows: Windows, carry_state: bool = True) -> float:
    """Cross-entropy per token in nats over a stream, read window by window (carrying the state, or
    from zeros)."""
    model.eval()
    total, count, state = 0.0, 0, None
    for window in windows:
        window = devices.to_device(window, devices.device_of(model))
        logits, state = model(window.inputs, state if carry_state else None)  # (B, k, V)
        total += F.cross_entropy(
            logits.flatten(0, 1), window.targets.flatten(), reduction="sum"
        ).item()
        count += window.targets.numel()
    return total / count


def perplexity(nll: float) -> float:
    """exp(cross-entropy in nats): the number of equally likely tokens the model is as unsure as."""
    return math.exp(nll)


def bits_per_token(nll: float) -> float:
    """Cross-entropy in bits: nats / ln 2 (bits per character, as a syllable is a character
    here)."""
    return nll / math.log(2)


@torch.no_grad()
def review_perplexity(model: nn.Module, vocab: Vocab, text: str) -> float:
    """Perplexity of one review as the model reads it from a review's start: <eos> text → text
    <eos>."""
    ids = torch.tensor(
        [[vocab.eos_id, *vocab.encode(SyllableTokenizer()(text)), vocab.eos_id]],
        device=devices.device_of(model),
    )  # (1, T+2)
    model.eval()
    logits, _ = model(ids[:, :-1])  # (1, T+1, V)
    return perplexity(F.cross_entropy(logits[0], ids[0, 1:]).item())


@dataclass(frozen=True)
class Metrics:
    """What a language-model run measures (its results file's "metrics"): on NSMC test text,
    reading the stream with its state carried across windows, and reset at each ("_reset")."""

    test_perplexity: float
    test_bpc: float  # bits per character (a syllable)
    test_perplexity_reset: float
    test_bpc_reset: float
    val_perplexity: float  # of the kept epoch
    test_unk_rate: float  # share of test tokens outside the vocabulary


@dataclass(frozen=True)
class LanguageModelRun(RunResult):
    """A trained language model with what it measured, its vocabulary and its streams."""

    config: Config
    metrics: Metrics
    model: LanguageModel
    vocab: Vocab
    streams: Streams


def run(cfg: Config, progress: bool = True, streams: Streams | None = None) -> LanguageModelRun:
    """Train one language model under `cfg`; measure perplexity and bits per character on NSMC test
    text.

    `streams`: `prepare_data(cfg)` made before (a chapter reuses it); None prepares them here.
    """
    set_seed(cfg.seed)
    streams = streams or prepare_data(cfg)
    set_seed(cfg.seed)  # the model's initial weights depend on the seed only
    model = build_model(cfg, len(streams.vocab))
    train = Windows(streams.train, cfg.batch_size, cfg.bptt)
    val, test = (Windows(ids, EVAL_ROWS, cfg.bptt) for ids in (streams.val, streams.test))
    start = time.perf_counter()
    history = fit(
        model,
        train,
        val,
        cfg,
        TruncatedBPTT(cfg.carry_state),
        # early stopping on validation loss
        lambda m, loader: -mean_nll(m, loader, cfg.carry_state),
        progress,
    )
    train_seconds = time.perf_counter() - start
    carried, reset = (
        mean_nll(model, test, carry_state=True),
        mean_nll(model, test, carry_state=False),
    )
    return LanguageModelRun(
        config=cfg,
        metrics=Metrics(
            test_perplexity=perplexity(carried),
            test_bpc=bits_per_token(carried),
            test_perplexity_reset=perplexity(reset),
            test_bpc_reset=bits_per_token(reset),
            val_perplexity=perplexity(-max(h["val_score"] for h in history)),
            test_unk_rate=(streams.test == streams.vocab.unk_id).float().mean().item(),
        ),
        params=count_parameters(model),
        vocab_size=len(streams.vocab),
        train_seconds=train_seconds,
        epochs=len(history),
        history=history,
        model=model,
        vocab=streams.vocab,
        streams=streams,
    )


# --------------------------------------------------------------------------------------- generation


@torch.no_grad()
def read_prompt(
    model: LanguageModel, vocab: Vocab, prompt: str = "", sentiment: int | None = None
) -> tuple[int, State]:
    """Read `<eos>` (a review's start), the sentiment token if given, and the prompt's syllables but
    the last:
    (the token a search starts from, state)."""
    condition = [] if sentiment is None else [sentiment_id(vocab, sentiment)]
    ids = [vocab.eos_id, *condition, *vocab.encode(SyllableTokenizer()(prompt))]
    state = model.zero_state(1)
    if len(ids) > 1:
        read = torch.tensor([ids[:-1]], device=devices.device_of(model))  # (1, T)
        _, state = model(read, swap_batch(state))
        state = swap_batch(state)
    return ids[-1], state


@torch.no_grad()
def generate(
    model: LanguageModel,
    vocab: Vocab,
    prompt: str = "",
    max_len: int = 80,
    beam_size: int | None = None,
    length_penalty: float = 0.0,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
    sentiment: int | None = None,
) -> str:
    """A review that starts with `prompt`: sampled (temperature 0 = greedy, top-k, top-p) or, with
    `beam_size`, by beam search (ranked by log p / len**length_penalty); `sentiment` (0 or 1)
    conditions a sentiment-prefix model."""
    model.eval()
    first, state = read_prompt(model, vocab, prompt, sentiment)
    if beam_size:
        best = decoding.beam_search(
            model.step, state, first, vocab.eos_id, beam_size, max_len, length_penalty
        )[0]
    else:
        best = decoding.sample(
            model.step, state, first, vocab.eos_id, max_len, temperature, top_k, top_p, generator
        )
    prompt_ids = vocab.encode(SyllableTokenizer()(prompt))
    return SyllableTokenizer().detokenize(vocab.decode(prompt_ids + best.tokens))


@torch.no_grad()
def sentiment_posterior(model: LanguageModel, vocab: Vocab, text: str) -> float:
    """P(긍정 | review) from a sentiment-prefix model, by Bayes' rule: the model gives the joint
    p(label, review) = p(label | <eos>) · p(review <eos> | <eos>, label) for both labels."""
    ids = vocab.encode(SyllableTokenizer()(text), add_eos=True)
    rows = torch.tensor(
        [[vocab.eos_id, sentiment_id(vocab, label), *ids] for label in (0, 1)],
        device=devices.device_of(model),
    )  # (2, T+2)
    model.eval()
    logits, _ = model(rows[:, :-1])  # (2, T+1, V)
    # (2,)
    log_joint = -F.cross_entropy(logits.transpose(1, 2), rows[:, 1:], reduction="none").sum(1)
    return log_joint.softmax(0)[1].item()
