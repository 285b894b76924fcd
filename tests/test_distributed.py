import json
import os
import subprocess
import sys

import pytest
import torch

from probing_rnns import distributed, experiments
from probing_rnns.batching import make_loader, make_pair_loader

# Lengths 1–6 with a few reviews each: many length buckets end in a batch smaller than the number of
# ranks.
LENGTHS = [1 + i % 6 for i in range(40)] + [7, 8, 8]


def loader(seed: int = 0):
    """Sequences whose label is their index, in equal-length buckets of at most 4."""
    encoded = [[i + 1] * n for i, n in enumerate(LENGTHS)]
    return make_loader(
        encoded, list(range(len(LENGTHS))), batch_size=4, shuffle=True, seed=seed, bucket=True
    )


def real_labels(shard: distributed.Shard) -> list[int]:
    # an empty share computes a stand-in, weight 0
    return shard.batch.labels.tolist() if shard.weight > 0 else []


@pytest.mark.parametrize("world_size", [2, 3])
def test_ranks_split_every_global_batch_of_every_epoch(world_size):
    one_process = loader()
    # each its own loader
    ranks = [distributed.ShardedBatches(loader(), rank, world_size) for rank in range(world_size)]
    epochs = []
    for _ in range(2):  # each epoch reshuffles, identically on every rank
        global_batches = [b.labels.tolist() for b in one_process]
        per_rank = [list(shards) for shards in ranks]
        assert all(len(shards) == len(global_batches) for shards in per_rank)
        for step, batch in enumerate(global_batches):
            shards = [per_rank[r][step] for r in range(world_size)]
            # disjoint, together the whole batch
            assert sorted(sum(map(real_labels, shards), [])) == sorted(batch)
            # DDP divides by world_size
            assert sum(s.weight for s in shards) == pytest.approx(world_size)
        seen = [label for shards in per_rank for s in shards for label in real_labels(s)]
        # the union of the ranks' shares is the whole epoch
        assert sorted(seen) == list(range(len(LENGTHS)))
        assert any(len(b) < world_size for b in global_batches)  # the stand-in case was exercised
        epochs.append(global_batches)
    assert epochs[0] != epochs[1]


def test_translation_shares_are_weighted_by_target_tokens():
    """Translation's loss is a mean over target tokens, so a share's weight counts its tokens, not
    its pairs."""
    src = [[5, 6]] * 5
    # <bos> … <eos>: 2, 5, 1, 3, 2 loss terms
    tgt = [[1, 7, 2], [1, 7, 7, 7, 7, 2], [1, 2], [1, 7, 7, 2], [1, 7, 2]]
    pairs = make_pair_loader(src, tgt, batch_size=5, bucket=False)
    shards = [next(iter(distributed.ShardedBatches(pairs, rank, 2))) for rank in range(2)]
    assert [s.batch.loss_terms for s in shards] == [2 + 1 + 2, 5 + 3]
    assert [s.weight for s in shards] == pytest.approx([2 * 5 / 13, 2 * 8 / 13])


def test_weighted_shard_losses_average_to_the_batch_mean():
    # one global batch of 5 examples: shares of 3 and 2 on 2 ranks
    losses = torch.tensor([1.0, 2.0, 3.0, 4.0, 10.0])
    shards = [distributed.share(range(5), rank, 2) for rank in range(2)]
    assert shards == [[0, 2, 4], [1, 3]]
    weighted = [2 * len(s) / 5 * losses[s].mean() for s in shards]
    # what DDP's gradient average sees
    assert sum(weighted) / 2 == pytest.approx(losses.mean().item())
    # unweighted: wrong
    assert sum(losses[s].mean() for s in shards) / 2 != pytest.approx(losses.mean().item())


def test_one_process_is_left_unchanged():
    model, batches = torch.nn.Linear(2, 2), loader()
    loss_fn = lambda m, b: m(b)  # noqa: E731
    assert distributed.prepare(model, batches, loss_fn) == (model, batches, loss_fn)
    assert distributed.mean_over_ranks(0.25) == 0.25 and distributed.from_main(lambda: 0.5) == 0.5
    assert distributed.world_size() == 1 and distributed.is_main()


SETTINGS = [
    "train_size=400",
    "val_size=200",
    "test_size=200",
    "epochs=2",
    "batch_size=32",
    "embed_dim=16",
    "hidden_size=16",
    "max_len=40",
    "dropout=0.0",  # no dropout: its masks are drawn per rank
]


def test_two_processes_train_like_one(tmp_path, monkeypatch):
    """torchrun with 2 CPU ranks (gloo), each with half of every batch, matches one process with
    whole batches."""
    args = ["run", "nsmc-cells", "--models", "lstm", "--seeds", "0", "--set", *SETTINGS]
    env = {**os.environ, "OMP_NUM_THREADS": "1", experiments.RESULTS_ENV: str(tmp_path / "two")}
    launch = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "probing_rnns.experiments",
    ]
    subprocess.run([*launch, *args], env=env, check=True, capture_output=True, timeout=120)
    monkeypatch.setenv(experiments.RESULTS_ENV, str(tmp_path / "one"))
    experiments.main(args)
    two, one = (
        json.loads(next((tmp_path / d / "nsmc-cells").glob("lstm+*-seed0.json")).read_text())
        for d in ("two", "one")
    )
    assert (two["world_size"], one["world_size"]) == (2, 1)
    assert [h["train_loss"] for h in two["history"]] == pytest.approx(
        [h["train_loss"] for h in one["history"]], rel=1e-5
    )
    assert [h["val_score"] for h in two["history"]] == [h["val_score"] for h in one["history"]]
    # the same final weights classify every review the same way
    assert two["metrics"] == one["metrics"]


def test_under_torchrun_only_dataloaders_can_be_shared_out(monkeypatch):
    monkeypatch.setattr(distributed, "world_size", lambda: 2)
    with pytest.raises(TypeError, match="DataLoader"):
        distributed.prepare(torch.nn.Linear(2, 2), [torch.zeros(2)], lambda m, b: m(b).sum())
