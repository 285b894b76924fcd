import gzip
import re
from pathlib import Path

import pytest

from probing_rnns import data

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh_cache():
    """Loaders memoise the parsed files; tests that move or break the data must start clean."""
    data._nsmc_rows.cache_clear()
    data._tatoeba_pairs.cache_clear()
    yield
    data._nsmc_rows.cache_clear()
    data._tatoeba_pairs.cache_clear()


def test_nsmc_counts_without_empty_documents():
    assert len(data.load_nsmc("train")) == 149_995
    assert len(data.load_nsmc("test")) == 49_997


def test_nsmc_raw_counts_and_labels_match_source_md():
    train = data.load_nsmc("train", drop_empty=False)
    assert len(train) == 150_000 and len(data.load_nsmc("test", drop_empty=False)) == 50_000
    assert sum(r.label == 0 for r in train) == 75_173
    assert {r.label for r in train} == {0, 1}
    assert sum(not r.text.strip() for r in train) == 5


def test_nsmc_csv_quoted_review_is_unquoted_once():
    review = next(r for r in data.load_nsmc("train") if r.id == "1180080")
    assert review.text == '"시미즈레이코의 만화책""비밀"".에서 영향받은거 아냐? 똑같애"'
    assert review.label == 0


def test_nsmc_rejects_unknown_split():
    with pytest.raises(ValueError, match="train_val_split"):
        data.load_nsmc("valid")


def test_checksums_agree_with_source_md():
    for relpath, digest in data.SHA256.items():
        source = (ROOT / "data" / Path(relpath).parent / "SOURCE.md").read_text(encoding="utf-8")
        assert digest in source, relpath


def _copy_data(tmp_path: Path) -> Path:
    for relpath in data.SHA256:
        target = tmp_path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / "data" / relpath).read_bytes())
    return tmp_path


def test_missing_file_names_the_file_and_the_fix(tmp_path, monkeypatch, fresh_cache):
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    with pytest.raises(data.DataFileError, match=r"ratings_test\.txt\.gz[\s\S]*PROBING_RNNS_DATA"):
        data.load_nsmc("test")


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda raw: b"this is not gzip", "gzip"),
        (lambda raw: raw[: len(raw) // 2], "gzip"),  # truncated download
        (
            lambda raw: gzip.compress(gzip.decompress(raw).replace("굿".encode(), "긋".encode())),
            "sha256",
        ),
    ],
)
def test_corrupt_file_gives_clear_error(tmp_path, monkeypatch, fresh_cache, corrupt, message):
    _copy_data(tmp_path)
    path = tmp_path / "nsmc" / "ratings_test.txt.gz"
    path.write_bytes(corrupt(path.read_bytes()))
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    with pytest.raises(data.DataFileError, match=message) as err:
        data.load_nsmc("test")
    assert str(path) in str(err.value)


def test_data_dir_override(tmp_path, monkeypatch, fresh_cache):
    monkeypatch.setenv(data.DATA_ENV, str(_copy_data(tmp_path)))
    assert data.data_dir() == tmp_path
    assert len(data.load_tatoeba_ko_en()) == 5_749


def test_tatoeba_pairs_keep_attribution():
    pairs = data.load_tatoeba_ko_en()
    assert len(pairs) == 5_749
    assert (pairs[0].en, pairs[0].ko) == ("Go.", "가.")
    assert all(
        re.match(r"CC-BY 2\.0 \(France\) Attribution: tatoeba\.org #\d+", p.attribution)
        for p in pairs
    )


def test_train_val_split_is_a_seeded_partition():
    items = list(range(1_000))
    train, val = data.train_val_split(items, val_size=0.1, seed=3)
    assert len(val) == 100 and len(train) == 900
    assert sorted(train + val) == items
    assert data.train_val_split(items, 0.1, seed=3) == (train, val)
    assert data.train_val_split(items, 0.1, seed=4)[1] != val
    assert len(data.train_val_split(items, val_size=250)[1]) == 250
    with pytest.raises(ValueError):
        data.train_val_split(items, val_size=1_000)


def test_subsample_is_seeded_and_bounded():
    items = list(range(100))
    assert data.subsample(items, 10, seed=1) == data.subsample(items, 10, seed=1)
    assert len(set(data.subsample(items, 10, seed=1))) == 10
    assert sorted(data.subsample(items, 500)) == items
