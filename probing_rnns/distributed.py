"""Training on several processes at once: data parallelism (데이터 병렬) with PyTorch's
DistributedDataParallel.

    torchrun --standalone --nproc_per_node=2 -m probing_rnns.experiments run nsmc-cells \\
        --models lstm --seeds 0 --set train_size=2000 epochs=1

On a machine with N GPUs, one rank per GPU (rank r on cuda:LOCAL_RANK, `devices.resolve_device`):

    torchrun --standalone --nproc_per_node=N -m probing_rnns.experiments run nsmc-cells \\
        --models lstm --seeds 0

torchrun starts N copies of the program, ranks 0 … N−1, each told its RANK, LOCAL_RANK and
WORLD_SIZE in its environment. `process_group()` joins them (gloo carries CPU tensors, nccl CUDA
tensors; with GPUs each rank first takes its own, LOCAL_RANK's); `training.fit` then trains as one:

- every rank builds the same model (same seed); DDP also copies rank 0's weights to the others at
  the start;
- every rank draws the same global batches (the same seeded sampler, so each epoch reshuffles
  identically on every rank) and keeps its own share of each (`share`): disjoint, and together the
  whole batch;
- backward averages the gradients over ranks (all-reduce), so every rank takes the same optimizer
  step. Each rank's mean loss is weighted by its share of the terms the batch's mean loss averages
  (the batch's `loss_terms`: reviews; target tokens in translation), so the average is the whole
  batch's mean loss even when the shares differ in size (a batch of 5 reviews on 2 ranks: 3 + 2);
- the epoch's training loss is averaged over ranks; rank 0 computes the validation score and sends
  it to the others, so early stopping stops every rank at the same epoch;
- rank 0 alone writes results (`experiments.run`) and checkpoints (`training.save_checkpoint`).

In a plain `python` run there is one process and nothing of this happens.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Protocol, Sequence

import torch
from torch import distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from probing_rnns import devices


class Shardable(Protocol):
    """A batch that says how many terms its mean loss averages (`batching.Batch`: one a row)."""

    @property
    def loss_terms(self) -> int: ...


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def is_main() -> bool:
    """True on rank 0, the one process that writes files and prints (and in a plain one-process
    run)."""
    return rank() == 0


@contextmanager
def process_group() -> Iterator[None]:
    """Join the ranks that torchrun started (it sets WORLD_SIZE); in a plain run, do nothing."""
    if "WORLD_SIZE" not in os.environ or dist.is_initialized():
        yield
        return
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if local_rank < torch.cuda.device_count():  # one GPU per rank: nccl works on the current device
        torch.cuda.set_device(local_rank)
    dist.init_process_group()  # the default: gloo for CPU tensors, nccl for CUDA tensors
    try:
        yield
    finally:
        dist.destroy_process_group()


def share(indices: Sequence[int], rank: int, world_size: int) -> list[int]:
    """Rank `rank`'s examples of one global batch: positions rank, rank + N, rank + 2N, … (N =
    world_size)."""
    return list(indices[rank::world_size])


@dataclass
class Shard:
    batch: Shardable  # this rank's examples of one global batch, collated
    # N × its share of the batch's loss terms: DDP's average of weighted mean losses = the batch
    # mean
    weight: float


class ShardedBatches:
    """This rank's share of every batch of a DataLoader, in the loader's order; as many batches as
    the loader.

    A rank whose share is empty (a batch smaller than N) computes a stand-in example with weight 0:
    it must still run backward, because the gradient all-reduce needs every rank.
    """

    def __init__(self, loader: DataLoader, rank: int, world_size: int):
        self.loader, self.rank, self.world_size = loader, rank, world_size

    def __len__(self) -> int:
        return len(self.loader)

    def collate(self, indices: Sequence[int]) -> Shardable:
        return self.loader.collate_fn([self.loader.dataset[i] for i in indices])

    def __iter__(self) -> Iterator[Shard]:
        for indices in self.loader.batch_sampler:  # the same global batches on every rank
            mine = share(indices, self.rank, self.world_size)
            batch = self.collate(mine or indices[:1])
            share_of_terms = batch.loss_terms / self.collate(indices).loss_terms if mine else 0.0
            yield Shard(batch, self.world_size * share_of_terms)


LossFn = Callable[[nn.Module, Any], torch.Tensor]


def prepare(
    model: nn.Module, train_loader: DataLoader, loss_fn: LossFn
) -> tuple[nn.Module, Any, LossFn]:
    """Under torchrun: the model in DDP (on the device it is on: its GPU, or the CPU), this rank's
    shards of the training batches, and the loss weighted by the shard's size. In one process: the
    three unchanged."""
    if world_size() == 1:
        return model, train_loader, loss_fn
    if not isinstance(train_loader, DataLoader):
        raise TypeError(
            "under torchrun, fit shares out the batches of a DataLoader; "
            f"got a {type(train_loader).__name__}"
        )

    def weighted_loss(m: nn.Module, shard: Shard) -> torch.Tensor:
        return loss_fn(m, shard.batch) * shard.weight

    device = devices.device_of(model)
    gpu = [device.index] if device.type == "cuda" else None  # one GPU per rank; None on the CPU
    ddp = DistributedDataParallel(model, device_ids=gpu)
    return ddp, ShardedBatches(train_loader, rank(), world_size()), weighted_loss


def mean_over_ranks(value: float) -> float:
    """The average of `value` over all ranks (all-reduce); in one process, `value` itself."""
    if world_size() == 1:
        return value
    total = torch.tensor(value, dtype=torch.float64)
    dist.all_reduce(total)  # sum over ranks, the result on every rank
    return total.item() / world_size()


def from_main(compute: Callable[[], float]) -> float:
    """`compute()` on rank 0, its result sent to every rank (broadcast); the others wait instead of
    computing."""
    if world_size() == 1:
        return compute()
    value = torch.tensor(compute() if is_main() else 0.0, dtype=torch.float64)
    dist.broadcast(value, src=0)
    return value.item()
