"""Decoding (디코딩): turning a next-token model into output sequences.

Every search talks to the model through one function, the *step*:

    step(tokens (K,), state) → (log-probs (K, V), state)

`tokens` holds the last token of each of K hypotheses; `state` is whatever the model carries between
steps, a tensor or a (nested) tuple of tensors with the K hypotheses on the first dimension.
Searches re-order and copy hypotheses with `select(state, idx)`, so any recurrent decoder fits (RNN,
LSTM (h, c), attention memory). The searches run where the state lives (the model's device,
`devices.device_of`): new tokens are made there.

Sampling draws each next token instead, from the model's distribution reshaped by a temperature,
top-k and top-p (nucleus); at temperature 0 it takes the argmax, which is greedy search.

Searches start from `<bos>` with the state for K = 1. Output tokens leave out `<bos>` and end with
`<eos>` unless cut off at `max_len`; they are ranked by log p / len**α (길이 정규화 length
normalisation; α = 0: raw log p).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

from probing_rnns import devices

State = Tensor | tuple["State", ...]  # every tensor has the K hypotheses on its first dimension
Step = Callable[[Tensor, State], tuple[Tensor, State]]
# exhaustive_search refuses vocabularies with more than this many V**max_len sequences
MAX_SEQUENCES = 10**6


@dataclass
class Hypothesis:
    tokens: list[int]  # without <bos>; ends with <eos> if the hypothesis finished
    log_prob: float  # log p(tokens)
    score: float  # log_prob / len(tokens)**α, what the searches rank by


@dataclass(frozen=True)
class Candidate:
    """One continuation a beam-search step ranked among its best 2·beam_size (the search tree)."""

    step: int  # 0 for the first token
    tokens: tuple[int, ...]  # the hypothesis so far, without <bos>, ending with this step's token
    log_prob: float  # log p(tokens)
    fate: str  # "kept" (stays in the beam), "finished" (ended by <eos>) or "pruned" (left out)


def hypothesis(tokens: list[int], log_prob: float, length_penalty: float = 0.0) -> Hypothesis:
    """A hypothesis with its normalised score (len counts every generated token, <eos> included)."""
    return Hypothesis(tokens, log_prob, log_prob / len(tokens) ** length_penalty)


def select(state: State, idx: Tensor) -> State:
    """Keep (and re-order, and copy) the hypotheses `idx` (K',) in every tensor of the state."""
    if isinstance(state, Tensor):
        return state.index_select(0, idx)
    return tuple(select(s, idx) for s in state)


def _check(max_len: int, beam_size: int = 1, n_best: int = 1) -> None:
    if max_len < 1:
        raise ValueError(f"max_len must be at least 1, got {max_len}")
    if beam_size < 1:
        raise ValueError(f"beam_size must be at least 1, got {beam_size}")
    if not 1 <= n_best <= beam_size:
        raise ValueError(f"n_best must be between 1 and beam_size={beam_size}, got {n_best}")


def greedy(step: Step, state: State, bos_id: int, eos_id: int, max_len: int) -> Hypothesis:
    """Greedy search (탐욕 탐색): always take the single most likely next token (sampling at
    temperature 0)."""
    return sample(step, state, bos_id, eos_id, max_len, temperature=0.0)


def reshape_distribution(
    log_probs: Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
) -> Tensor:
    """The distribution sampling draws from, as log-probs (K, V): the model's log-probs divided by
    the temperature (온도: < 1 sharpens, > 1 flattens), cut to the `top_k` most likely tokens (ties
    at the k-th are kept) and to the nucleus (뉴클리어스), the most likely tokens whose
    probabilities first reach `top_p`; the rest get -inf.
    """
    if temperature <= 0:
        raise ValueError(
            f"temperature must be positive (0 means greedy: take the argmax), got {temperature}"
        )
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")
    scores = log_probs / temperature  # (K, V)
    if top_k is not None:
        kth = scores.topk(min(top_k, scores.shape[-1]), dim=-1).values[:, -1:]  # (K, 1)
        scores = scores.masked_fill(scores < kth, -torch.inf)
    if top_p is not None:
        ranked, order = scores.sort(dim=-1, descending=True)  # (K, V) most likely first
        probs = ranked.softmax(dim=-1)
        # (K, V) probability of the tokens ranked above each: the first is 0
        above = probs.cumsum(dim=-1) - probs
        # back to token order
        outside = torch.empty_like(above, dtype=torch.bool).scatter_(-1, order, above >= top_p)
        scores = scores.masked_fill(outside, -torch.inf)
    return scores.log_softmax(dim=-1)


def draw(probs: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """One token per row of probs (K, V), drawn where `generator` lives (a seeded CPU generator
    serves a model on a GPU too) and returned on the device of `probs`: (K,)."""
    where = probs.device if generator is None else generator.device
    drawn = torch.multinomial(devices.to_device(probs, where), 1, generator=generator)  # (K, 1)
    return devices.to_device(drawn[:, 0], probs.device)


def sample(
    step: Step,
    state: State,
    bos_id: int,
    eos_id: int,
    max_len: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    generator: torch.Generator | None = None,
) -> Hypothesis:
    """Sampling (샘플링): draw each next token from `reshape_distribution` of the model's log-probs,
    with `generator` for reproducible draws; temperature 0 takes the argmax (greedy). `log_prob` is
    the model's own log p(tokens).
    """
    _check(max_len)
    token = torch.tensor([bos_id], device=devices.device_of(state))  # (1,)
    log_prob, tokens = torch.zeros(1, device=token.device), []  # (1,)
    for _ in range(max_len):
        log_probs, state = step(token, state)  # (1, V)
        if temperature == 0:
            token = log_probs.argmax(dim=-1)  # (1,)
        else:
            probs = reshape_distribution(log_probs, temperature, top_k, top_p).exp()  # (1, V)
            token = draw(probs, generator)  # (1,)
        log_prob = log_prob + log_probs[0, token]
        tokens.append(token.item())
        if tokens[-1] == eos_id:
            break
    return hypothesis(tokens, log_prob.item())


def _stop(
    finished: list[Hypothesis], live: Tensor, beam_size: int, n_best: int, length_penalty: float
) -> bool:
    """Stop once `beam_size` hypotheses finished or none is live (`live` (K,): their log-probs).
    With α = 0 also once the n_best-th finished score ≥ every live one: log-probs only fall, so no
    live hypothesis can overtake. With α > 0 a longer hypothesis can (dividing by a larger len**α
    lifts it), so the search runs on to max_len.
    """
    if len(finished) >= beam_size or live.numel() == 0:
        return True
    if length_penalty != 0 or len(finished) < n_best:
        return False
    return sorted((h.score for h in finished), reverse=True)[n_best - 1] >= live.max().item()


def _candidates(
    t: int, tokens: Tensor, top: Tensor, rows: Tensor, cols: Tensor, done: list[int], keep: Tensor
) -> list[Candidate]:
    """What one beam-search step did with each ranked continuation (`done`: those <eos>
    finished)."""
    kept = set(keep.tolist())
    fates = [
        "finished" if c in done else "kept" if c in kept else "pruned" for c in range(len(top))
    ]
    return [
        Candidate(t, tuple(tokens[r, 1:].tolist()) + (col,), score, fate)
        for r, col, score, fate in zip(rows.tolist(), cols.tolist(), top.tolist(), fates)
    ]


def beam_search(
    step: Step,
    state: State,
    bos_id: int,
    eos_id: int,
    beam_size: int,
    max_len: int,
    length_penalty: float = 0.0,
    n_best: int = 1,
    trace: list[Candidate] | None = None,
) -> list[Hypothesis]:
    """Beam search (빔 탐색): keep the `beam_size` best partial hypotheses; return the `n_best`
    best, best first.

    Each step scores all K·V continuations by cumulative log-prob and takes the best 2·beam_size. An
    <eos> among the best beam_size finishes its hypothesis; the best beam_size others stay live.
    Hypotheses still live at max_len finish unended. With beam_size = 1 this is exactly `greedy`. A
    `trace` list receives every step's 2·beam_size ranked continuations (`Candidate`): the tree.
    """
    _check(max_len, beam_size, n_best)
    # (K, t) live hypotheses, <bos> first
    tokens = torch.full((1, 1), bos_id, device=devices.device_of(state))
    scores = torch.zeros(1, device=tokens.device)  # (K,) their log-probs
    finished: list[Hypothesis] = []
    for t in range(max_len):
        log_probs, state = step(tokens[:, -1], state)  # (K, V)
        total = (scores[:, None] + log_probs).flatten()  # (K·V,)
        top, flat = total.topk(min(2 * beam_size, total.numel()))  # (C,), (C,) best first
        # (C,) hypothesis, next token
        rows, cols = flat // log_probs.shape[1], flat % log_probs.shape[1]
        ends = cols == eos_id  # (C,)
        done = ends[:beam_size].nonzero().flatten().tolist()
        for c in done:
            finished.append(
                hypothesis(tokens[rows[c], 1:].tolist() + [eos_id], top[c].item(), length_penalty)
            )
        keep = (~ends).nonzero().flatten()[:beam_size]  # (K',)
        if trace is not None:
            trace += _candidates(t, tokens, top, rows, cols, done, keep)
        tokens = torch.cat([tokens[rows[keep]], cols[keep, None]], dim=1)  # (K', t+1)
        scores, state = top[keep], select(state, rows[keep])
        if _stop(finished, scores, beam_size, n_best, length_penalty):
            break
    else:  # max_len reached: the live hypotheses finish as they are
        finished += [
            hypothesis(seq[1:], s, length_penalty)
            for seq, s in zip(tokens.tolist(), scores.tolist())
        ]
    return sorted(finished, key=lambda h: h.score, reverse=True)[:n_best]


def exhaustive_search(
    step: Step,
    state: State,
    bos_id: int,
    eos_id: int,
    max_len: int,
    length_penalty: float = 0.0,
    vocab_size: int | None = None,
) -> list[Hypothesis]:
    """Every sequence up to max_len (ended by <eos>, or cut off at max_len), best first: the exact
    answer.

    Only for tiny vocabularies; `vocab_size` (else read from one step) must keep V**max_len ≤
    MAX_SEQUENCES.
    """
    _check(max_len)
    # (K, t) all unfinished prefixes
    tokens = torch.full((1, 1), bos_id, device=devices.device_of(state))
    vocab_size = vocab_size or step(tokens[:, -1], state)[0].shape[-1]
    if vocab_size**max_len > MAX_SEQUENCES:
        raise ValueError(f"{vocab_size}**{max_len} sequences are too many for exhaustive search")
    scores, finished = torch.zeros(1, device=tokens.device), []  # (K,)
    for _ in range(max_len):
        log_probs, state = step(tokens[:, -1], state)  # (K, V)
        total = scores[:, None] + log_probs  # (K, V)
        finished += [
            hypothesis(seq[1:] + [eos_id], s, length_penalty)
            for seq, s in zip(tokens.tolist(), total[:, eos_id].tolist())
        ]
        goes_on = torch.ones_like(total, dtype=torch.bool)
        goes_on[:, eos_id] = False
        rows, cols = goes_on.nonzero(as_tuple=True)  # (K·(V-1),) every continuation but <eos>
        tokens = torch.cat([tokens[rows], cols[:, None]], dim=1)  # (K·(V-1), t+1)
        scores, state = total[rows, cols], select(state, rows)
    finished += [
        hypothesis(seq[1:], s, length_penalty) for seq, s in zip(tokens.tolist(), scores.tolist())
    ]
    return sorted(finished, key=lambda h: h.score, reverse=True)
