import pytest

from probing_rnns.vocab import SPECIALS, Vocab

CORPUS = [["재", "미", "있", "다"], ["재", "미", "없", "다"], ["재", "미"]]


def test_specials_come_first():
    vocab = Vocab.build(CORPUS)
    assert vocab.itos[:4] == list(SPECIALS)
    assert (vocab.pad_id, vocab.unk_id, vocab.bos_id, vocab.eos_id) == (0, 1, 2, 3)


def test_order_min_freq_and_max_size():
    vocab = Vocab.build(CORPUS)
    assert vocab.itos[4:] == ["미", "재", "다", "없", "있"]  # by count, ties alphabetical
    assert Vocab.build(CORPUS, min_freq=2).itos[4:] == ["미", "재", "다"]
    assert len(Vocab.build(CORPUS, max_size=2)) == 4 + 2


def test_encode_decode_round_trip_and_unknowns():
    vocab = Vocab.build(CORPUS)
    ids = vocab.encode(["재", "미", "쀍"], add_bos=True, add_eos=True)
    assert ids[0] == vocab.bos_id and ids[-1] == vocab.eos_id and ids[3] == vocab.unk_id
    assert vocab.decode(ids) == ["재", "미", "<unk>"]
    assert vocab.decode(ids, skip_specials=False)[0] == "<bos>"
    assert vocab.decode(vocab.encode(CORPUS[0])) == CORPUS[0]
    assert vocab.encode([]) == []


def test_coverage_counts_running_tokens():
    vocab = Vocab.build([["a", "b"]])
    assert vocab.coverage([["a", "a", "c", "b"]]) == pytest.approx(3 / 4)
    assert vocab.coverage([]) == 1.0


def test_save_load(tmp_path):
    vocab = Vocab.build(CORPUS)
    vocab.save(tmp_path / "vocab.json")
    assert Vocab.load(tmp_path / "vocab.json") == vocab


def test_rejects_a_list_without_specials():
    with pytest.raises(ValueError):
        Vocab(["a", "b"])
