"""Attention (어텐션): a decoder state asks "which source tokens matter now?" and gets a weighted
average.

    scores  = score(query, memory)            (K, T, S)   one number per (target step, source token)
    weights = softmax(scores, masked)         (K, T, S)   padding gets weight 0
    context = Σ_s weights[s] · memory[s]      (K, T, M)

Three score functions, from Luong et al. (2015) and Bahdanau et al. (2015):
    dot      q · m                       (needs query size == memory size)
    general  q · W m                     (a learned bilinear form)
    concat   v · tanh(W_q q + W_m m)     (additive; Bahdanau's score)
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

SCORES = ("dot", "general", "concat")


class Attention(nn.Module):
    def __init__(
        self, score: str, query_size: int, memory_size: int, attention_size: int | None = None
    ):
        super().__init__()
        if score not in SCORES:
            raise ValueError(f"attention score must be one of {SCORES}, got {score!r}")
        if score == "dot" and query_size != memory_size:
            raise ValueError(
                f"dot attention needs query size == memory size, got {query_size} and {memory_size}"
            )
        self.score = score
        if score == "general":
            self.W = nn.Linear(memory_size, query_size, bias=False)
        elif score == "concat":
            attention_size = attention_size or query_size
            self.W_q = nn.Linear(query_size, attention_size, bias=False)
            self.W_m = nn.Linear(memory_size, attention_size)
            self.v = nn.Linear(attention_size, 1, bias=False)

    def scores(self, query: Tensor, memory: Tensor) -> Tensor:
        """query (K, T, Q), memory (K, S, M) → scores (K, T, S)."""
        if self.score == "dot":
            return torch.bmm(query, memory.transpose(1, 2))
        if self.score == "general":
            return torch.bmm(query, self.W(memory).transpose(1, 2))
        # (K, T, S, A) → (K, T, S)
        return self.v(torch.tanh(self.W_q(query)[:, :, None] + self.W_m(memory)[:, None]))[..., 0]

    def forward(self, query: Tensor, memory: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        """query (K, T, Q), memory (K, S, M), mask (K, S) True at real tokens → context (K, T, M),
        weights (K, T, S)."""
        # (K, T, S)
        scores = self.scores(query, memory).masked_fill(~mask[:, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # (K, T, S)
        return torch.bmm(weights, memory), weights  # (K, T, M), (K, T, S)
