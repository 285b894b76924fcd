"""Why a model decided: token attributions for a review, and the candidates behind a translation.

A review's tokens get one number each, by one of two methods:

- **attention** (어텐션 풀링 가중치): a classifier with attention pooling (chapter 13) averages its
  outputs with weights that sum to 1 over the review; they say where the pooling looked, not which
  way a token pushed the decision.
- **saliency** (기울기 × 입력): for any other classifier, x_t · ∂(logit_긍정 − logit_부정)/∂x_t
summed
  over the embedding x_t of token t (Simonyan et al. 2014; Shrikumar et al. 2017). Signed: > 0
  pushes toward 긍정, < 0 toward 부정. A first-order (linear) account of the model around this
  review, not an exact share: a token can get a large value without deciding anything
  (tests/test_explain.py).

A translation is shown as the greedy output and the beam's n best, each with its log-probability,
its length-normalised score and the decoder's attention over the source behind every output token.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from probing_rnns import decoding, devices
from probing_rnns.models import Classifier
from probing_rnns.sentiment import SavedClassifier
from probing_rnns.translation import SavedTranslator
from probing_rnns.vocab import Vocab

EMPTY_REVIEW = "리뷰가 비어 있습니다. 문장을 입력하세요 (the review is empty)."
EMPTY_SENTENCE = "번역할 한국어 문장을 입력하세요 (the sentence is empty)."


def token_embedding(model: Classifier) -> nn.Embedding:
    """The classifier's token embedding table (recurrent or Transformer encoder)."""
    encoder = model.encoder
    return encoder.embedding if hasattr(encoder, "embedding") else encoder.embed.embedding


def gradient_x_input(model: Classifier, ids: Tensor) -> Tensor:
    """ids (1, T), no padding → (T,) on the CPU: Σ_e x_te · ∂(logit_1 − logit_0)/∂x_te, x the token
    embeddings. Positive values push toward class 1 (긍정). Read in eval mode (no dropout), on the
    model's device; cuDNN's RNN kernels differentiate only in training mode, so they are off here.
    """
    model.eval()
    ids = ids.to(devices.device_of(model))
    embedded: list[Tensor] = []
    hook = token_embedding(model).register_forward_hook(lambda _m, _i, out: embedded.append(out))
    try:
        with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
            logits = model(ids, torch.ones_like(ids, dtype=torch.bool))  # (1, 2)
            (grad,) = torch.autograd.grad(logits[0, 1] - logits[0, 0], embedded[0])  # (1, T, E)
    finally:
        hook.remove()
    return (grad * embedded[0]).sum(-1)[0].detach().cpu()  # (T,)


@torch.no_grad()
def pooling_weights(model: Classifier, ids: Tensor) -> Tensor:
    """ids (1, T), no padding → (T,) on the CPU: the attention pooling's weights (they sum to 1)."""
    if model.attention is None:
        raise ValueError(f"pooling {model.pooling!r} has no weights: only attention pooling does")
    model.eval()
    ids = ids.to(devices.device_of(model))
    mask = torch.ones_like(ids, dtype=torch.bool)
    outputs, _ = model.encoder(ids, mask)  # (1, T, D·H)
    return model.attention.weights(outputs, mask)[0].cpu()  # (T,)


@dataclass(frozen=True)
class Attribution:
    """One number per token the model read, by `method` ("attention" or "saliency")."""

    tokens: list[str]  # the review's tokens, cut to the model's max_len
    values: list[float]
    method: str


def explain_review(saved: SavedClassifier, text: str) -> Attribution:
    """What drove `saved`'s decision on `text`: attention pooling weights if it has them, else
    gradient × input."""
    tokens = saved.tokenizer(text)[: saved.cfg.max_len]
    if not tokens:
        raise ValueError(EMPTY_REVIEW)
    ids = torch.tensor([saved.vocab.encode(tokens)])  # (1, T)
    if saved.model.attention is not None:
        return Attribution(tokens, pooling_weights(saved.model, ids).tolist(), "attention")
    return Attribution(tokens, gradient_x_input(saved.model, ids).tolist(), "saliency")


@dataclass(frozen=True)
class Translation:
    """One output of a search, with what the decoder attended to while writing it."""

    search: str  # "greedy" or "beam"
    text: str  # detokenized English
    tokens: list[str]  # output tokens, "<eos>" last if the output ended
    log_prob: float  # log p(tokens | source)
    score: float  # what the search ranked by: log_prob / len**α (greedy: α = 0)
    attention: list[list[float]] | None  # (len(tokens), source tokens); None: a model without it


@dataclass(frozen=True)
class Translations:
    source_tokens: list[str]
    unknown_rate: float  # share of source tokens outside the model's vocabulary (<unk>)
    greedy: Translation
    beam: list[Translation]  # n best, best first
    beam_size: int
    length_penalty: float  # α of the beam's scores


@torch.no_grad()
def attention_behind(model: nn.Module, src: Tensor, tokens: list[int]) -> list[list[float]] | None:
    """The decoder's attention (T, S) while it reads <bos> tokens[:-1] and predicts `tokens`
    (teacher forced: the same computation the search made step by step)."""
    tgt = torch.tensor([[Vocab.bos_id, *tokens]], device=src.device)  # (1, T+1)
    _, weights = model(src, torch.ones_like(src, dtype=torch.bool), tgt)  # (1, T, S) or None
    return None if weights is None else weights[0].tolist()


def translate_candidates(
    saved: SavedTranslator, sentence: str, beam_size: int = 4, length_penalty: float = 0.0
) -> Translations:
    """Greedy search and beam search (its `beam_size` best by log p / len**α) for `sentence`."""
    source = saved.source_tokens(sentence)
    if not source:
        raise ValueError(EMPTY_SENTENCE)
    model, ids = saved.model.eval(), saved.src_vocab.encode(source)
    src = torch.tensor([ids], device=devices.device_of(model))  # (1, S)
    args = (Vocab.bos_id, Vocab.eos_id)
    with torch.no_grad():
        state = model.encode(src, torch.ones_like(src, dtype=torch.bool))
        greedy = decoding.greedy(model.step, state, *args, saved.cfg.max_output_len)
        beams = decoding.beam_search(
            model.step,
            state,
            *args,
            beam_size,
            saved.cfg.max_output_len,
            length_penalty,
            n_best=beam_size,
        )

    def shown(search: str, h: decoding.Hypothesis) -> Translation:
        words = saved.tgt_vocab.decode(h.tokens)  # without <eos>
        return Translation(
            search,
            saved.detokenize(words),
            saved.tgt_vocab.decode(h.tokens, False),
            h.log_prob,
            h.score,
            attention_behind(model, src, h.tokens),
        )

    unknown = sum(i == Vocab.unk_id for i in ids) / len(ids)
    return Translations(
        source,
        unknown,
        shown("greedy", greedy),
        [shown("beam", h) for h in beams],
        beam_size,
        length_penalty,
    )
