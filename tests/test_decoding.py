import itertools
import math

import pytest
import torch
from torch.nn import functional as F

from probing_rnns.decoding import (
    beam_search,
    exhaustive_search,
    greedy,
    reshape_distribution,
    sample,
)

V, BOS, EOS = 5, 0, 1


def _markov(table: torch.Tensor):
    """First-order model: log p(next | token) = log_softmax(table[token]); a dummy (K, 1) state
    counts steps."""

    def step(tokens, state):
        assert state.shape == (len(tokens), 1)
        return F.log_softmax(table[tokens], dim=-1), state + 1

    return step, torch.zeros(1, 1)


def _second_order(table: torch.Tensor):
    """log p(next | previous two) = log_softmax(table[before, token]) (table (V, V, V)); `before`
    lives only in the state (h, c) of shape (K, 3) each, so a wrongly re-ordered state gives wrong
    log-probs."""

    def step(tokens, state):
        h, c = state
        assert h.shape == c.shape == (len(tokens), 3)
        log_probs = F.log_softmax(table[h[:, 0].long(), tokens], dim=-1)
        return log_probs, (tokens[:, None].float().expand(-1, 3), c + 1)

    return step, (torch.full((1, 3), float(BOS)), torch.zeros(1, 3))


def _sequence_log_prob(table: torch.Tensor, tokens: list[int]) -> float:
    """log p(tokens) straight from a (V, V) or (V, V, V) table, without any search."""
    context, total = [BOS, BOS], 0.0
    for t in tokens:
        row = table[context[-1]] if table.dim() == 2 else table[context[-2], context[-1]]
        total += F.log_softmax(row.double(), dim=-1)[t].item()
        context.append(t)
    return total


def _tables(n: int, dim: int = 2):
    gen = torch.Generator().manual_seed(0)
    return [torch.randn((V,) * dim, generator=gen) * 2 for _ in range(n)]


def _from_probs(rows: dict[int, list[float]]) -> torch.Tensor:
    """A (V, V) logit table with the given next-token probabilities; unlisted rows are uniform."""
    table = torch.zeros(V, V)
    for token, probs in rows.items():
        table[token] = torch.tensor(probs).log()
    return table


def test_greedy_takes_the_argmax_each_step():
    for table in _tables(10):
        tokens, last = [], BOS
        while len(tokens) < 6 and last != EOS:
            last = table[last].argmax().item()
            tokens.append(last)
        best = greedy(*_markov(table), BOS, EOS, max_len=6)
        assert best.tokens == tokens
        assert best.log_prob == pytest.approx(_sequence_log_prob(table, tokens), abs=1e-5)


@pytest.mark.parametrize("alpha", [0.0, 1.0])
@pytest.mark.parametrize("model", [_markov, _second_order])
def test_beam_of_one_is_greedy(model, alpha):
    for table in _tables(50, dim=2 if model is _markov else 3):
        step, state = model(table)
        [best] = beam_search(step, state, BOS, EOS, beam_size=1, max_len=6, length_penalty=alpha)
        expected = greedy(step, state, BOS, EOS, max_len=6)
        assert (best.tokens, best.log_prob) == (expected.tokens, expected.log_prob)


@pytest.mark.parametrize("model", [_markov, _second_order])
def test_exhaustive_search_matches_brute_force(model):
    for table in _tables(5, dim=2 if model is _markov else 3):
        ended = [
            list(p) + [EOS]
            for n in range(4)
            for p in itertools.product(range(V), repeat=n)
            if EOS not in p
        ]
        cut = [list(p) for p in itertools.product(range(V), repeat=4) if EOS not in p]
        expected = max(ended + cut, key=lambda seq: _sequence_log_prob(table, seq) / len(seq))
        found = exhaustive_search(*model(table), BOS, EOS, max_len=4, length_penalty=1.0)
        assert len(found) == len(ended) + len(cut)
        assert found[0].tokens == expected


@pytest.mark.parametrize("alpha", [0.0, 1.0])
@pytest.mark.parametrize("model", [_markov, _second_order])
def test_wide_beam_is_exact(model, alpha):
    for table in _tables(50, dim=2 if model is _markov else 3):
        step, state = model(table)
        found = beam_search(
            step, state, BOS, EOS, beam_size=V**4, max_len=4, length_penalty=alpha, n_best=3
        )
        optima = exhaustive_search(step, state, BOS, EOS, max_len=4, length_penalty=alpha)[:3]
        # runners-up may tie, e.g. [2, 4, 2, 2] ~ [2, 2, 4, 2]
        assert found[0].tokens == optima[0].tokens
        assert [h.score for h in found] == pytest.approx([h.score for h in optima])


def test_hypotheses_carry_their_own_log_probs():
    for table in _tables(10, dim=3):
        for h in beam_search(*_second_order(table), BOS, EOS, beam_size=4, max_len=5, n_best=4):
            assert h.log_prob == pytest.approx(_sequence_log_prob(table, h.tokens), abs=1e-5)


def test_beam_finds_what_greedy_misses():
    # after <bos>, 2 is likelier than 3, but 2 leads nowhere in particular while 3 almost surely
    # ends
    table = _from_probs(
        {
            BOS: [0.01, 0.04, 0.5, 0.4, 0.05],
            2: [0.05, 0.3, 0.25, 0.2, 0.2],
            3: [0.0025, 0.99, 0.0025, 0.0025, 0.0025],
        }
    )
    step, state = _markov(table)
    lazy = greedy(step, state, BOS, EOS, max_len=3)
    found = beam_search(step, state, BOS, EOS, beam_size=2, max_len=3, n_best=2)
    assert (lazy.tokens, found[0].tokens) == ([2, EOS], [3, EOS])
    assert lazy.log_prob < found[0].log_prob
    assert len(found) == 2 and found[0].score >= found[1].score


def test_beam_stops_once_beam_size_hypotheses_finish():
    # step 1 finishes [<eos>] (p = 0.3), step 2 finishes [2, <eos>] (p = 0.27): two finished, so the
    # search stops; the live [2, 4] (p = 0.3) would score better per token, but it is unfinished and
    # must not be returned
    table = _from_probs({BOS: [0.01, 0.3, 0.6, 0.05, 0.04], 2: [0.01, 0.45, 0.02, 0.02, 0.5]})
    found = beam_search(
        *_markov(table), BOS, EOS, beam_size=2, max_len=5, length_penalty=1.0, n_best=2
    )
    assert [h.tokens for h in found] == [[2, EOS], [EOS]]


def test_length_penalty_favours_longer_outputs():
    # [<eos>] has p = 0.5; [2, <eos>] has p = 0.45·0.9 = 0.405, less in total but more per token
    table = _from_probs({BOS: [0.01, 0.5, 0.45, 0.02, 0.02], 2: [0.01, 0.9, 0.03, 0.03, 0.03]})
    step, state = _markov(table)
    for search in (exhaustive_search, lambda *args, **kw: beam_search(*args, beam_size=3, **kw)):
        assert search(step, state, BOS, EOS, max_len=5, length_penalty=0.0)[0].tokens == [EOS]
        assert search(step, state, BOS, EOS, max_len=5, length_penalty=1.0)[0].tokens == [2, EOS]


@pytest.mark.parametrize("max_len", [1, 2, 3])
def test_outputs_respect_max_len_and_leave_out_bos(max_len):
    for table in _tables(10):
        # the model never emits <bos>, so any <bos> in an output is the search's
        table[:, BOS] = -math.inf
        table[:, EOS] -= 4  # and rarely ends, so outputs get cut off at max_len
        step, state = _markov(table)
        outputs = [greedy(step, state, BOS, EOS, max_len)]
        outputs += beam_search(
            step, state, BOS, EOS, beam_size=3, max_len=max_len, length_penalty=1.0, n_best=3
        )
        for h in outputs:
            assert 1 <= len(h.tokens) <= max_len
            assert BOS not in h.tokens and EOS not in h.tokens[:-1]
        assert any(len(h.tokens) == max_len and h.tokens[-1] != EOS for h in outputs)


def test_bad_arguments_are_refused():
    step, state = _markov(torch.zeros(V, V))
    with pytest.raises(ValueError, match="beam_size"):
        beam_search(step, state, BOS, EOS, beam_size=0, max_len=3)
    with pytest.raises(ValueError, match="max_len"):
        greedy(step, state, BOS, EOS, max_len=0)
    with pytest.raises(ValueError, match="n_best"):
        beam_search(step, state, BOS, EOS, beam_size=2, max_len=3, n_best=3)
    with pytest.raises(ValueError, match="too many"):
        exhaustive_search(step, state, BOS, EOS, max_len=9)


# Sampling


def _same(a, b) -> bool:
    return a.tokens == b.tokens and a.log_prob == pytest.approx(b.log_prob, abs=1e-5)


@pytest.mark.parametrize(
    "settings", [{"temperature": 1e-3}, {"top_k": 1}, {"top_p": 1e-6}, {"top_k": 1, "top_p": 0.9}]
)
@pytest.mark.parametrize("model", [_markov, _second_order])
def test_sampling_that_keeps_only_the_argmax_is_greedy(model, settings):
    for i, table in enumerate(_tables(20, dim=2 if model is _markov else 3)):
        step, state = model(table)
        drawn = sample(
            step, state, BOS, EOS, max_len=8, generator=torch.Generator().manual_seed(i), **settings
        )
        assert _same(drawn, greedy(step, state, BOS, EOS, max_len=8))


def test_a_fixed_seed_reproduces_samples_and_another_seed_differs():
    step, state = _markov(torch.zeros(V, V))  # uniform: every sequence is possible

    def draw(seed: int) -> list[list[int]]:
        gen = torch.Generator().manual_seed(seed)
        return [sample(step, state, BOS, EOS, max_len=10, generator=gen).tokens for _ in range(5)]

    assert draw(0) == draw(0)
    assert draw(0) != draw(1)


def test_samples_carry_the_models_own_log_probs():
    table = _tables(1)[0]
    step, state = _markov(table)
    for seed in range(10):
        drawn = sample(
            step,
            state,
            BOS,
            EOS,
            max_len=6,
            temperature=2.0,
            top_k=3,
            generator=torch.Generator().manual_seed(seed),
        )
        assert drawn.log_prob == pytest.approx(_sequence_log_prob(table, drawn.tokens), abs=1e-5)


def test_reshape_distribution_temperature_top_k_top_p():
    log_probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]]).log()  # (1, 4), already sorted
    assert torch.allclose(reshape_distribution(log_probs).exp(), log_probs.exp())
    hot = reshape_distribution(log_probs, temperature=2.0).exp()
    # p^(1/T), renormalised
    assert torch.allclose(hot, log_probs.exp().sqrt() / log_probs.exp().sqrt().sum())
    assert torch.allclose(
        reshape_distribution(log_probs, top_k=2).exp(), torch.tensor([[0.625, 0.375, 0.0, 0.0]])
    )
    # top-p keeps the most likely tokens until their mass reaches p: 0.5 < 0.7 ≤ 0.5 + 0.3
    assert torch.allclose(
        reshape_distribution(log_probs, top_p=0.7).exp(), torch.tensor([[0.625, 0.375, 0.0, 0.0]])
    )
    assert torch.allclose(
        reshape_distribution(log_probs, top_p=0.81).exp(),
        torch.tensor([[0.5, 0.3, 0.15, 0.0]]) / 0.95,
    )
    shuffled = log_probs[:, [2, 0, 3, 1]]  # the nucleus follows the tokens, not their positions
    assert torch.allclose(
        reshape_distribution(shuffled, top_p=0.7).exp(), torch.tensor([[0.0, 0.625, 0.0, 0.375]])
    )


def test_sampling_follows_the_distribution():
    probs = torch.tensor([0.0, 0.6, 0.3, 0.1, 0.0])  # after <bos>: <eos> 0.6, A 0.3, B 0.1
    table = torch.zeros(V, V)
    table[BOS] = probs.clamp(min=1e-12).log()
    step, state = _markov(table)
    gen = torch.Generator().manual_seed(0)
    firsts = torch.tensor(
        [sample(step, state, BOS, EOS, max_len=1, generator=gen).tokens[0] for _ in range(3000)]
    )
    assert torch.allclose(torch.bincount(firsts, minlength=V) / 3000.0, probs, atol=0.03)


def test_bad_sampling_settings_are_refused():
    step, state = _markov(torch.zeros(V, V))
    for settings in ({"temperature": -1.0}, {"top_k": 0}, {"top_p": 0.0}, {"top_p": 1.5}):
        with pytest.raises(ValueError):
            sample(step, state, BOS, EOS, max_len=3, **settings)
