"""Korean → English translation on Tatoeba end to end: config → data → model → training → BLEU.

Data: the Tatoeba Korean–English pairs (tatoeba.org, via www.manythings.org/anki, CC BY 2.0 FR).
BLEU here is computed on lower-cased English word tokens (`EnglishTokenizer`), so it is comparable
between the book's models, not with published detokenized sacreBLEU scores.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import torch
from torch.nn import functional as F

from probing_rnns import data, decoding, devices
from probing_rnns.batching import PairBatch, make_pair_loader
from probing_rnns.bleu import BleuScore, corpus_bleu
from probing_rnns.data import DATA_SEED
from probing_rnns.models import Encoder, count_parameters
from probing_rnns.run_result import RunResult
from probing_rnns.seq2seq import Decoder, Seq2Seq
from probing_rnns.tokenizers import cache_dir, get_tokenizer, tokenize_corpus
from probing_rnns.training import TrainConfig, fit, load_checkpoint, save_checkpoint, set_seed
from probing_rnns.transformer import TransformerSeq2Seq
from probing_rnns.vocab import Vocab


@dataclass(frozen=True)
class Config(TrainConfig):
    """Every hyperparameter of a translation run, saved with each result."""

    # data
    src_tokenizer: str = "okt"
    tgt_tokenizer: str = "english"
    max_tokens: int = 20  # pairs longer than this (either side, in tokens) are left out
    min_freq: int = 2
    val_size: int = 500
    test_size: int = 500
    train_size: int | None = None  # None = every remaining pair
    # model
    cell: str = "gru"
    embed_dim: int = 128
    hidden_size: int = 128  # per encoder direction; the decoder's is the encoder's output size
    bidirectional: bool = True
    attention: str = "dot"  # "none", "dot", "general" or "concat"
    dropout: float = 0.2
    teacher_forcing: float = 1.0
    # cell="transformer" (probing_rnns.transformer, chapter 20): width embed_dim, num_layers encoder
    # and decoder layers each, the dropout inside; hidden_size, bidirectional and attention are the
    # recurrent model's
    n_heads: int = 4
    ff_size: int = 256  # the feed-forward network's width
    num_layers: int = 2
    positional: str = "sinusoidal"  # "sinusoidal", "learned" or "none"
    # decoding
    max_output_len: int = 30
    beam_sizes: tuple[int, ...] = ()  # also BLEU with these beams, α = 0 and 1 (val and test)
    # optimisation
    epochs: int = 20
    batch_size: int = 64
    patience: int = 4


# The small, seeded setting the translation chapters train live (about a minute on 2 CPU cores).
LIVE = Config(epochs=8)


@dataclass
class Corpus:
    src_vocab: Vocab
    tgt_vocab: Vocab
    # "train"/"val"/"test" → [(Korean tokens, English tokens)]
    splits: dict[str, list[tuple[list[str], list[str]]]]
    train: Iterable[PairBatch] = field(repr=False)
    val: Iterable[PairBatch] = field(repr=False)


def same_sentence(text: str) -> str:
    """A sentence up to its whitespace: two pairs with equal `same_sentence` share that sentence."""
    return " ".join(text.split())


def split_pairs(cfg: Config) -> dict[str, list[data.Pair]]:
    """Cut test, validation and training pairs with a fixed seed, the sizes `cfg` asks for.

    Tatoeba gives some Korean sentences several English translations (and some English sentences
    several Korean ones); all pairs that share a sentence on either side go to the same part, so no
    test or validation sentence is seen in training.
    """
    sides = (lambda p: same_sentence(p.ko), lambda p: same_sentence(p.en))
    sizes = (cfg.test_size, cfg.val_size)
    test, val, train = data.group_split(data.load_tatoeba_ko_en(), sides, sizes, seed=DATA_SEED)
    if cfg.train_size is not None:
        train = data.subsample(train, cfg.train_size, seed=DATA_SEED)
    return {"train": train, "val": val, "test": test}


def prepare_data(cfg: Config, progress: bool = True) -> Corpus:
    """Tokenize both sides, drop empty or over-long pairs, build both vocabularies on train only."""
    src_tok, tgt_tok = get_tokenizer(cfg.src_tokenizer), get_tokenizer(cfg.tgt_tokenizer)
    splits = {}
    for name, pairs in split_pairs(cfg).items():
        ko = tokenize_corpus([p.ko for p in pairs], src_tok, progress)
        en = tokenize_corpus([p.en for p in pairs], tgt_tok, progress)
        splits[name] = [
            (k, e)
            for k, e in zip(ko, en)
            if 0 < len(k) <= cfg.max_tokens and 0 < len(e) <= cfg.max_tokens
        ]
    src_vocab = Vocab.build((k for k, _ in splits["train"]), min_freq=cfg.min_freq)
    tgt_vocab = Vocab.build((e for _, e in splits["train"]), min_freq=cfg.min_freq)

    def loader(name: str, shuffle: bool):
        src_ids = [src_vocab.encode(k) for k, _ in splits[name]]
        tgt_ids = [tgt_vocab.encode(e, add_bos=True, add_eos=True) for _, e in splits[name]]
        return make_pair_loader(
            src_ids, tgt_ids, cfg.batch_size, shuffle=shuffle, seed=cfg.seed, pad_id=Vocab.pad_id
        )

    return Corpus(src_vocab, tgt_vocab, splits, loader("train", True), loader("val", False))


def build_model(
    cfg: Config, src_vocab_size: int, tgt_vocab_size: int
) -> Seq2Seq | TransformerSeq2Seq:
    if cfg.cell == "transformer":
        max_len = max(cfg.max_tokens, cfg.max_output_len) + 1  # the target side reads <bos> first
        return TransformerSeq2Seq(
            src_vocab_size,
            tgt_vocab_size,
            cfg.embed_dim,
            cfg.n_heads,
            cfg.ff_size,
            cfg.num_layers,
            max_len,
            cfg.positional,
            cfg.dropout,
        )
    encoder = Encoder(
        src_vocab_size, cfg.embed_dim, cfg.hidden_size, cfg.cell, bidirectional=cfg.bidirectional
    )
    decoder = Decoder(
        tgt_vocab_size,
        cfg.embed_dim,
        encoder.output_size,
        encoder.output_size,
        cfg.cell,
        cfg.attention,
        cfg.dropout,
    )
    return Seq2Seq(encoder, decoder)


def loss_of(model: Seq2Seq, batch: PairBatch, teacher_forcing: float = 1.0) -> torch.Tensor:
    """Mean cross-entropy over the real target tokens (`<eos>` included, padding excluded)."""
    # (B, T-1, V)
    log_probs, _ = model(batch.src.ids, batch.src.mask, batch.tgt.ids, teacher_forcing)
    gold = batch.tgt.ids[:, 1:]  # (B, T-1)
    return F.nll_loss(log_probs.flatten(0, 1), gold.flatten(), ignore_index=Vocab.pad_id)


@torch.no_grad()
def mean_loss(model: Seq2Seq, loader: Iterable[PairBatch]) -> float:
    """Teacher-forced cross-entropy per target token over a loader (the validation score,
    negated)."""
    model.eval()
    total, count = 0.0, 0
    for batch in loader:
        batch = devices.to_device(batch, devices.device_of(model))
        tokens = int((batch.tgt.ids[:, 1:] != Vocab.pad_id).sum())
        total, count = total + loss_of(model, batch).item() * tokens, count + tokens
    return total / count


@torch.no_grad()
def translate_ids(
    model: Seq2Seq,
    src_ids: Sequence[int],
    beam_size: int = 1,
    length_penalty: float = 0.0,
    max_len: int = 30,
) -> list[int]:
    """Source ids → the best target ids (without `<bos>`/`<eos>`), by greedy search or beam
    search."""
    model.eval()
    src = torch.tensor([list(src_ids)], device=devices.device_of(model))  # (1, S)
    state = model.encode(src, torch.ones_like(src, dtype=torch.bool))
    if beam_size == 1:
        best = decoding.greedy(model.step, state, Vocab.bos_id, Vocab.eos_id, max_len)
    else:
        best = decoding.beam_search(
            model.step, state, Vocab.bos_id, Vocab.eos_id, beam_size, max_len, length_penalty
        )[0]
    return [t for t in best.tokens if t != Vocab.eos_id]


@torch.no_grad()
def attention_map(
    model: Seq2Seq, corpus: Corpus, ko_tokens: Sequence[str], max_len: int = 30
) -> tuple[list[str], torch.Tensor]:
    """The greedy translation of `ko_tokens` (with `<eos>`) and the attention weights (T, S) behind
    each output token."""
    if model.decoder.attention is None:
        raise ValueError("this model has no attention (attention='none')")
    src_ids = corpus.src_vocab.encode(ko_tokens)
    out_ids = translate_ids(model, src_ids, max_len=max_len)
    device = devices.device_of(model)
    src = torch.tensor([src_ids], device=device)  # (1, S)
    tgt = torch.tensor([[Vocab.bos_id, *out_ids, Vocab.eos_id]], device=device)  # (1, T+1)
    _, weights = model(src, torch.ones_like(src, dtype=torch.bool), tgt)  # (1, T, S)
    words = [corpus.tgt_vocab.itos[i] for i in out_ids] + ["<eos>"]
    return words, devices.to_device(weights[0], "cpu")


def translate(
    model: Seq2Seq, corpus: Corpus, sentence: str, cfg: Config, beam_size: int = 1
) -> str:
    """A Korean sentence → an English sentence. Unknown words become `<unk>` on the way in."""
    tokens = get_tokenizer(cfg.src_tokenizer)(sentence)[: cfg.max_tokens]
    if not tokens:
        raise ValueError("번역할 한국어 문장을 입력하세요 (the sentence is empty).")
    ids = translate_ids(
        model, corpus.src_vocab.encode(tokens), beam_size, max_len=cfg.max_output_len
    )
    return get_tokenizer(cfg.tgt_tokenizer).detokenize(corpus.tgt_vocab.decode(ids))


TokenPairs = Sequence[tuple[Sequence[str], Sequence[str]]]  # (Korean tokens, English tokens)


def hypotheses(
    model: Seq2Seq,
    corpus: Corpus,
    pairs: TokenPairs,
    beam_size: int = 1,
    length_penalty: float = 0.0,
    max_len: int = 30,
) -> list[list[str]]:
    """Translations (English tokens) of the source side of `pairs`, e.g. `corpus.splits["test"]`."""
    return [
        corpus.tgt_vocab.decode(
            translate_ids(model, corpus.src_vocab.encode(ko), beam_size, length_penalty, max_len)
        )
        for ko, _ in pairs
    ]


def bleu(
    model: Seq2Seq,
    corpus: Corpus,
    pairs: TokenPairs,
    beam_size: int = 1,
    length_penalty: float = 0.0,
    max_len: int = 30,
) -> BleuScore:
    """Corpus BLEU of the model's translations of `pairs` against their English side."""
    return corpus_bleu(
        hypotheses(model, corpus, pairs, beam_size, length_penalty, max_len),
        [en for _, en in pairs],
    )


def bleu_by_length(
    sources: Sequence[Sequence[str]],
    hyps: Sequence[Sequence[str]],
    refs: Sequence[Sequence[str]],
    edges: Sequence[int] = (5, 8, 11),
) -> dict[str, float]:
    """Corpus BLEU within source-length buckets, e.g. {"1-5": …, "6-8": …, "9-11": …, "12+": …}."""
    bounds = [0, *edges, None]
    table = {}
    for low, high in zip(bounds, bounds[1:]):
        name = f"{low + 1}-{high}" if high is not None else f"{low + 1}+"
        chosen = [
            i for i, s in enumerate(sources) if len(s) > low and (high is None or len(s) <= high)
        ]
        if chosen:
            table[name] = corpus_bleu([hyps[i] for i in chosen], [refs[i] for i in chosen]).score
    return table


@dataclass
class TrainedTranslator:
    """A translator `train` made (or loaded from its cache), with the corpus of its vocabularies."""

    model: Seq2Seq
    corpus: Corpus
    history: list[dict]
    train_seconds: float


def cache_path(cfg: Config) -> Path:
    """Where a model trained under `cfg` is cached: keyed by the config and the library's source
    code."""
    code = b"".join(p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py")))
    key = hashlib.sha256(json.dumps(asdict(cfg), sort_keys=True).encode() + code).hexdigest()[:16]
    return cache_dir() / "models" / f"translation-{key}.pt"


def train(cfg: Config, progress: bool = True, cache: bool = False) -> TrainedTranslator:
    """Train one translator under `cfg`, keeping the epoch of lowest validation loss.

    With `cache=True` a model trained before under the same config (and the same library code) is
    loaded instead: chapters that share a model train it once. Training is seeded, so both give the
    same weights.
    """
    set_seed(cfg.seed)
    corpus = prepare_data(cfg, progress)
    set_seed(cfg.seed)
    model = build_model(cfg, len(corpus.src_vocab), len(corpus.tgt_vocab))
    path = cache_path(cfg)
    if cache and path.is_file():
        saved = load_checkpoint(path)
        model.load_state_dict(saved["model"])
        devices.to_device(model, devices.resolve_device(cfg.device))  # where `fit` puts it
        return TrainedTranslator(model, corpus, saved["history"], saved["train_seconds"])
    start = time.perf_counter()
    history = fit(
        model,
        corpus.train,
        corpus.val,
        cfg,
        lambda m, b: loss_of(m, b, cfg.teacher_forcing),
        # early stopping on validation loss
        lambda m, loader: -mean_loss(m, loader),
        progress,
    )
    train_seconds = time.perf_counter() - start
    if cache:
        save_checkpoint(path, model, cfg, history=history, train_seconds=train_seconds)
    return TrainedTranslator(model.eval(), corpus, history, train_seconds)


def beam_key(beam_size: int, length_penalty: float) -> str:
    """The name of a decoding setting in the results: "4" (α = 0) or "4-norm" (α = 1)."""
    return f"{beam_size}{'-norm' if length_penalty else ''}"


def choose_on_validation(val_bleu: dict[tuple[int, float], float]) -> tuple[int, float]:
    """The (beam size, α) of best validation BLEU; ties go to the smaller beam, then to α = 0."""
    return max(val_bleu, key=lambda s: (val_bleu[s], -s[0], -s[1]))


def beam_metrics(model: Seq2Seq, corpus: Corpus, cfg: Config) -> dict:
    """Validation and test BLEU of greedy search and of each beam size with α = 0 and α = 1;
    the setting chosen on validation (`choose_on_validation`) and its test BLEU."""
    beams = ((k, alpha) for k in cfg.beam_sizes for alpha in (0.0, 1.0))
    settings = list(dict.fromkeys([(1, 0.0), *beams]))  # (beam size, length penalty α)
    scores = {
        split: {
            s: bleu(model, corpus, corpus.splits[split], *s, cfg.max_output_len).score
            for s in settings
        }
        for split in ("val", "test")
    }
    beam, alpha = choose_on_validation(scores["val"])
    return {
        "val_bleu_by_beam": {beam_key(*s): v for s, v in scores["val"].items()},
        "test_bleu_by_beam": {beam_key(*s): v for s, v in scores["test"].items()},
        "selected_beam": beam,
        "selected_alpha": alpha,
        "test_bleu_selected": scores["test"][beam, alpha],
    }


@dataclass(frozen=True)
class Metrics:
    """What a translation run measures (its results file's "metrics"): BLEU of greedy search, and
    of each beam size (`beam_key`: "4", "4-norm") with the setting chosen on validation."""

    test_bleu: float  # greedy search
    val_bleu: float
    test_bleu_by_length: dict[str, float]  # source-length bucket → BLEU (`bleu_by_length`)
    val_bleu_by_beam: dict[str, float]
    test_bleu_by_beam: dict[str, float]
    selected_beam: int
    selected_alpha: float
    test_bleu_selected: float


@dataclass(frozen=True)
class TranslationRun(RunResult):
    """A trained translator with what it measured, its corpus and its greedy test translations."""

    config: Config
    metrics: Metrics
    model: Seq2Seq | TransformerSeq2Seq
    corpus: Corpus
    test_hypotheses: list[list[str]]  # English tokens, in the order of corpus.splits["test"]


def run(cfg: Config, progress: bool = True) -> TranslationRun:
    """Train one translator under `cfg`; measure BLEU on validation and test (greedy, and each beam
    size), and choose the beam size and length penalty on validation."""
    trained = train(cfg, progress)
    model, corpus = trained.model, trained.corpus
    val, test = corpus.splits["val"], corpus.splits["test"]
    test_hyps = hypotheses(model, corpus, test, max_len=cfg.max_output_len)
    refs = [en for _, en in test]
    metrics = Metrics(
        test_bleu=corpus_bleu(test_hyps, refs).score,
        val_bleu=bleu(model, corpus, val, max_len=cfg.max_output_len).score,
        test_bleu_by_length=bleu_by_length([ko for ko, _ in test], test_hyps, refs),
        **beam_metrics(model, corpus, cfg),
    )
    return TranslationRun(
        config=cfg,
        metrics=metrics,
        params=count_parameters(model),
        vocab_size={"ko": len(corpus.src_vocab), "en": len(corpus.tgt_vocab)},
        train_seconds=trained.train_seconds,
        epochs=len(trained.history),
        history=trained.history,
        model=model,
        corpus=corpus,
        test_hypotheses=test_hyps,
    )


@dataclass(frozen=True)
class SavedTranslator:
    """A translator saved by `save_translator`, loaded with its vocabularies and config."""

    name: str
    model: Seq2Seq | TransformerSeq2Seq
    src_vocab: Vocab
    tgt_vocab: Vocab
    cfg: Config
    metrics: dict  # the run's measurements, e.g. "test_bleu"

    def source_tokens(self, sentence: str) -> list[str]:
        """The Korean tokens the model reads (at most cfg.max_tokens)."""
        return get_tokenizer(self.cfg.src_tokenizer)(sentence)[: self.cfg.max_tokens]

    def detokenize(self, tokens: Sequence[str]) -> str:
        return get_tokenizer(self.cfg.tgt_tokenizer).detokenize(tokens)


def save_translator(
    path: str | Path,
    model: Seq2Seq | TransformerSeq2Seq,
    cfg: Config,
    corpus: Corpus,
    metrics: dict,
) -> None:
    """Weights, config, both vocabularies and the run's metrics in one file (`load_translator`)."""
    save_checkpoint(
        path,
        model,
        cfg,
        src_vocab=corpus.src_vocab.itos,
        tgt_vocab=corpus.tgt_vocab.itos,
        metrics=metrics,
    )


def load_translator(
    path: str | Path, name: str, device: str | torch.device = "auto"
) -> SavedTranslator:
    """The translator `save_translator` wrote to `path`, ready to decode on `device`
    (`devices.resolve_device`: "auto" is a CUDA GPU when there is one)."""
    saved = load_checkpoint(path)
    cfg = Config(**saved["config"])
    src_vocab, tgt_vocab = Vocab(saved["src_vocab"]), Vocab(saved["tgt_vocab"])
    model = build_model(cfg, len(src_vocab), len(tgt_vocab))
    model.load_state_dict(saved["model"])
    devices.to_device(model, devices.resolve_device(device))
    return SavedTranslator(name, model.eval(), src_vocab, tgt_vocab, cfg, saved["metrics"])


def save_run(result: TranslationRun, path: str | Path) -> None:
    """What the experiment runner keeps of a run (`--save-model`): the translator."""
    save_translator(path, result.model, result.config, result.corpus, asdict(result.metrics))
