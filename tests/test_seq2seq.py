import pytest
import torch

from probing_rnns import decoding, translation
from probing_rnns.attention import Attention
from probing_rnns.batching import pad_batch
from probing_rnns.bleu import corpus_bleu
from probing_rnns.models import Encoder
from probing_rnns.seq2seq import Decoder, Seq2Seq
from probing_rnns.tokenizers import get_tokenizer


def test_attention_weights_are_a_distribution_over_real_source_tokens():
    torch.manual_seed(0)
    query, memory = torch.randn(2, 3, 4), torch.randn(2, 5, 4)  # (K, T, Q), (K, S, M)
    mask = torch.tensor([[True] * 5, [True, True, False, False, False]])
    for score in ("dot", "general", "concat"):
        context, weights = Attention(score, 4, 4)(query, memory, mask)
        assert context.shape == (2, 3, 4) and weights.shape == (2, 3, 5)
        torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3))
        assert (weights[1, :, 2:] == 0).all()
        torch.testing.assert_close(context, weights @ memory)


def test_dot_attention_is_a_softmax_of_inner_products():
    torch.manual_seed(0)
    query, memory = torch.randn(1, 1, 3), torch.randn(1, 4, 3)
    _, weights = Attention("dot", 3, 3)(query, memory, torch.ones(1, 4, dtype=torch.bool))
    torch.testing.assert_close(weights[0, 0], torch.softmax(memory[0] @ query[0, 0], dim=0))


def test_attention_rejects_bad_settings():
    with pytest.raises(ValueError, match="dot attention"):
        Attention("dot", 4, 8)
    with pytest.raises(ValueError, match="score"):
        Attention("cosine", 4, 4)


def tiny_model(cell: str, attention: str) -> Seq2Seq:
    torch.manual_seed(0)
    encoder = Encoder(12, 6, 5, cell=cell, bidirectional=True)
    return Seq2Seq(encoder, Decoder(9, 6, 10, 10, cell=cell, attention=attention)).eval()


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("attention", ["none", "dot", "general", "concat"])
def test_teacher_forced_decoding_equals_one_step_at_a_time(cell, attention):
    model = tiny_model(cell, attention)
    src = pad_batch([[4, 5, 6, 7], [8, 9]])
    tgt = torch.tensor([[2, 4, 5, 6, 3], [2, 7, 3, 0, 0]])
    at_once, _ = model(src.ids, src.mask, tgt)  # (B, T-1, V)
    state, stepped = model.encode(src.ids, src.mask), []
    for t in range(tgt.shape[1] - 1):
        log_probs, state = model.step(tgt[:, t], state)
        stepped.append(log_probs)
    torch.testing.assert_close(at_once, torch.stack(stepped, dim=1), atol=1e-5, rtol=0)


def test_source_padding_changes_nothing():
    model = tiny_model("gru", "concat")
    tgt = torch.tensor([[2, 4, 5, 3]])
    alone = pad_batch([[4, 5, 6]])
    padded = pad_batch([[4, 5, 6], [4, 5, 6, 7, 8, 9, 10]])
    a, _ = model(alone.ids, alone.mask, tgt)
    b, weights = model(padded.ids, padded.mask, tgt.expand(2, -1))
    torch.testing.assert_close(a[0], b[0], atol=1e-5, rtol=0)
    assert (weights[0, :, 3:] == 0).all()


def test_without_teacher_forcing_the_decoder_reads_its_own_greedy_output():
    model = tiny_model("lstm", "dot")
    src = pad_batch([[4, 5, 6]])
    best = decoding.greedy(
        model.step, model.encode(src.ids, src.mask), bos_id=2, eos_id=3, max_len=6
    )
    tgt = torch.tensor([[2] + [0] * 6])  # the targets are never read
    log_probs, _ = model(src.ids, src.mask, tgt, teacher_forcing=0.0)
    assert log_probs[0].argmax(-1).tolist()[: len(best.tokens)] == best.tokens


def test_english_tokenizer_round_trip():
    tok = get_tokenizer("english")
    tokens = tok("Tom didn't go, did he?")
    assert tokens == ["tom", "didn't", "go", ",", "did", "he", "?"]
    assert tok.detokenize(tokens) == "tom didn't go, did he?"


def test_bleu_by_length_splits_the_corpus_into_buckets():
    sources = [["a"] * n for n in (2, 5, 6, 9, 12, 30)]
    hyps = [["x", "y", "z", "w"]] * 6
    table = translation.bleu_by_length(sources, hyps, hyps, edges=(5, 8, 11))
    assert list(table) == ["1-5", "6-8", "9-11", "12+"]
    assert table["12+"] == corpus_bleu(hyps[4:], hyps[4:]).score == pytest.approx(100.0)


@pytest.fixture(scope="module")
def tiny_run():
    cfg = translation.Config(
        src_tokenizer="syllable",
        train_size=300,
        val_size=50,
        test_size=50,
        epochs=1,
        embed_dim=8,
        hidden_size=8,
        beam_sizes=(1, 2),
    )
    return cfg, translation.run(cfg, progress=False)


def test_a_tiny_translation_run_reports_bleu(tiny_run):
    cfg, result = tiny_run
    metrics = result.metrics
    settings = {"1", "1-norm", "2", "2-norm"}
    assert 0 <= metrics.test_bleu <= 100
    assert set(metrics.test_bleu_by_beam) == set(metrics.val_bleu_by_beam) == settings
    # beam 1 is greedy
    assert metrics.test_bleu_by_beam["1"] == pytest.approx(metrics.test_bleu)
    assert metrics.val_bleu_by_beam["1"] == pytest.approx(metrics.val_bleu)
    assert len(result.test_hypotheses) == len(result.corpus.splits["test"])


def test_the_decoding_setting_is_chosen_on_validation_and_read_once_on_test(tiny_run):
    metrics = tiny_run[1].metrics
    chosen = translation.beam_key(metrics.selected_beam, metrics.selected_alpha)
    assert metrics.val_bleu_by_beam[chosen] == max(metrics.val_bleu_by_beam.values())
    assert metrics.test_bleu_selected == metrics.test_bleu_by_beam[chosen]


def test_ties_on_validation_go_to_the_smaller_beam_then_to_no_length_normalisation():
    val_bleu = {
        (1, 0.0): 5.0,
        (1, 1.0): 5.0,
        (4, 1.0): 7.0,
        (2, 1.0): 7.0,
        (2, 0.0): 7.0,
        (8, 0.0): 6.0,
    }
    assert translation.choose_on_validation(val_bleu) == (2, 0.0)
    assert translation.choose_on_validation({(1, 0.0): 5.0, (1, 1.0): 5.0}) == (1, 0.0)
    assert translation.choose_on_validation({(1, 0.0): 5.0, (16, 1.0): 5.5}) == (16, 1.0)


def test_attention_map_has_one_row_per_output_token(tiny_run):
    cfg, result = tiny_run
    ko = result.corpus.splits["test"][0][0]
    output, weights = translation.attention_map(result.model, result.corpus, ko)
    assert weights.shape == (len(output), len(ko)) and output[-1] == "<eos>"
    torch.testing.assert_close(weights.sum(-1), torch.ones(len(output)))


def test_translate_rejects_an_empty_sentence_and_survives_unknown_words(tiny_run):
    cfg, result = tiny_run
    with pytest.raises(ValueError, match="비어|empty"):
        translation.translate(result.model, result.corpus, "   ", cfg)
    assert isinstance(translation.translate(result.model, result.corpus, "😀 qwerty 뷁", cfg), str)


def test_a_cached_model_is_the_model_trained_before(tmp_path, monkeypatch):
    monkeypatch.setenv("PROBING_RNNS_CACHE", str(tmp_path))
    cfg = translation.Config(
        src_tokenizer="syllable",
        train_size=100,
        val_size=50,
        test_size=50,
        epochs=1,
        embed_dim=8,
        hidden_size=8,
    )
    first = translation.train(cfg, progress=False, cache=True)
    again = translation.train(cfg, progress=False, cache=True)
    assert translation.cache_path(cfg).is_file() and again.history == first.history
    for a, b in zip(first.model.state_dict().values(), again.model.state_dict().values()):
        torch.testing.assert_close(a, b)
    other = translation.cache_path(translation.Config(src_tokenizer="syllable", epochs=2))
    assert other != translation.cache_path(cfg)
