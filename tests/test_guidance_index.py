"""The persistent index: incremental re-indexing, removal, recovery from a broken index folder, a new
index for a renamed encoder, and how chunks are embedded."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from assistant.guidance.chunking import chunk_document
from assistant.guidance.documents import read_corpus
from assistant.guidance.index import GuidanceIndex, available_cores, torch_threads
from assistant.guidance.service import Guidance, index_dir
from assistant.models import ModelLoader
from tests.guidance_fixtures import NEGLECT, CountingEncoder, make_corpus


def _guidance(tmp_path: Path) -> tuple[Guidance, CountingEncoder]:
    settings = make_corpus(tmp_path)
    loader = ModelLoader(settings, encoder="fake")
    encoder = CountingEncoder()
    loader.__dict__["encoder"] = encoder
    return Guidance.open(settings, loader), encoder


def test_first_open_indexes_everything_and_search_cites_sections(tmp_path: Path) -> None:
    guidance, encoder = _guidance(tmp_path)
    assert guidance.last_sync is not None
    assert sorted(guidance.last_sync.added) == sorted(d.id for d in guidance.docs)
    assert guidance.index.count() == guidance.last_sync.chunks_embedded > 0
    hits = guidance.search("finger-mark bruises on the upper arm", k=3)
    assert hits[0].cite == "factor-physical-abuse#what-it-looks-like"
    assert len({h.cite for h in hits}) == len(hits)


def test_unchanged_pages_are_not_embedded_again_and_changes_are(tmp_path: Path) -> None:
    guidance, _ = _guidance(tmp_path)
    settings = guidance.settings
    loader = ModelLoader(settings, encoder="fake")
    counting = CountingEncoder()
    loader.__dict__["encoder"] = counting
    again = Guidance.open(settings, loader)
    assert again.last_sync is not None and again.last_sync.chunks_embedded == 0
    assert counting.encoded <= 1  # only the health probe of the opened index
    assert again.corpus_version == guidance.corpus_version

    page = settings.corpus_dir / "guidance" / "neglect.md"
    page.write_text(NEGLECT.replace("rotten teeth", "rotten teeth and no heating in winter"), encoding="utf-8")
    (settings.corpus_dir / "guidance" / "physical.md").unlink()
    counting.encoded = 0
    changed = Guidance.open(settings, loader)
    report = changed.last_sync
    assert report is not None
    assert report.updated == ["factor-neglect"] and report.removed == ["factor-physical-abuse"]
    assert report.chunks_embedded == counting.encoded - 1 == 3  # neglect's chunks (plus the probe)
    assert changed.corpus_version != guidance.corpus_version
    assert all(h.doc_id != "factor-physical-abuse" for h in changed.search("bruise on the cheek", k=10))
    assert "factor-physical-abuse" not in changed.index.indexed()


def test_a_half_indexed_page_is_indexed_again(tmp_path: Path) -> None:
    guidance, _ = _guidance(tmp_path)
    ids = guidance.index.store.get(where={"doc_id": "factor-neglect"}, include=[])["ids"]
    guidance.index.store.delete(ids=ids[:1])
    assert guidance.index.indexed()["factor-neglect"] == "incomplete"
    report = guidance.sync()
    assert report.updated == ["factor-neglect"]
    assert guidance.index.indexed()["factor-neglect"] == guidance.doc("factor-neglect").content_hash  # type: ignore[union-attr]


@pytest.mark.parametrize("damage", ["garbage-database", "file-instead-of-folder"])
def test_a_broken_index_is_rebuilt_from_the_corpus(tmp_path: Path, damage: str) -> None:
    guidance, _ = _guidance(tmp_path)
    folder = index_dir(guidance.settings)
    from assistant.guidance import index as index_module

    index_module._drop_client(folder)
    if damage == "garbage-database":
        (folder / "chroma.sqlite3").write_bytes(b"this is not sqlite" * 100)
    else:
        import shutil

        shutil.rmtree(folder)
        folder.write_text("oops", encoding="utf-8")
    reopened = Guidance.open(guidance.settings, ModelLoader(guidance.settings, encoder="fake"))
    assert reopened.last_sync is not None and reopened.last_sync.rebuilt is not None
    assert str(folder) in reopened.last_sync.rebuilt
    assert any(folder.parent.glob(f"{folder.name}.broken-*"))
    assert reopened.last_sync.chunks_embedded == reopened.index.count() > 0
    assert reopened.search("finger-mark bruises", k=1)[0].doc_id == "factor-physical-abuse"


def test_a_search_that_fails_in_chromadb_rebuilds_the_index_and_answers(tmp_path: Path, monkeypatch) -> None:
    from chromadb.errors import InternalError

    guidance, _ = _guidance(tmp_path)
    broken = guidance.index

    def fail(*args: object, **kwargs: object) -> None:
        raise InternalError("Error loading hnsw index")

    monkeypatch.setattr(broken, "nearest", fail)  # the chromadb query of the hybrid search
    hits = guidance.search("finger-mark bruises on the upper arm", k=2)
    assert guidance.index is not broken
    assert hits[0].doc_id == "factor-physical-abuse"
    assert guidance.last_sync is not None and guidance.last_sync.chunks_embedded > 0


def test_missing_index_folder_is_created(tmp_path: Path) -> None:
    settings = make_corpus(tmp_path)
    encoder = CountingEncoder()
    index = GuidanceIndex.open(tmp_path / "elsewhere" / "index", encoder)
    docs, _ = read_corpus(settings.corpus_dir / "guidance")
    report = index.sync(docs)
    assert report.chunks_embedded == index.count() > 0


def test_embeddings_adapter_keeps_the_order_of_texts() -> None:
    import numpy as np

    from assistant.guidance.embeddings import EncoderEmbeddings

    encoder = CountingEncoder()
    texts = ["a much longer passage about bruising on a baby", "short", "middle length text"]
    got = np.array(EncoderEmbeddings(encoder).embed_documents(texts))
    assert np.allclose(got, encoder.encode(texts))
    assert EncoderEmbeddings(encoder).embed_documents([]) == []


class RenamedEncoder(CountingEncoder):
    """The same vectors under another name, as after a new model version or int8 quantisation."""

    name = "fake:hashing-int8"


def test_an_encoder_with_another_name_gets_its_own_index_built_from_the_corpus(tmp_path: Path) -> None:
    settings = make_corpus(tmp_path)
    docs, _ = read_corpus(settings.corpus_dir / "guidance")
    first = GuidanceIndex.open(index_dir(settings), CountingEncoder())
    embedded = first.sync(docs).chunks_embedded
    renamed = RenamedEncoder()
    second = GuidanceIndex.open(index_dir(settings), renamed)
    report = second.sync(docs)
    assert report.chunks_embedded == embedded == second.count() and renamed.encoded == embedded
    assert sorted(report.added) == sorted(d.id for d in docs)
    assert second.search("finger-mark bruises", k=1)[0].doc_id == "factor-physical-abuse"


def test_chunks_are_embedded_shortest_first_and_stored_with_their_page_factors(tmp_path: Path) -> None:
    settings = make_corpus(tmp_path)
    docs, _ = read_corpus(settings.corpus_dir / "guidance")
    seen: list[str] = []

    class Recording(CountingEncoder):
        def encode(self, texts):  # type: ignore[no-untyped-def]
            seen.extend(texts)
            return super().encode(texts)

    index = GuidanceIndex.open(tmp_path / "index", Recording())
    seen.clear()  # the health probe of the empty index
    index.sync(docs)
    assert [len(t) for t in seen] == sorted(len(t) for t in seen) and len(seen) == index.count()
    factors = {m["doc_id"]: m["factors"] for m in index.store.get(include=["metadatas"])["metadatas"]}
    assert factors["factor-neglect"] == "neglect" and factors["pathway-child-protection"] == ""


def test_a_page_indexed_without_its_factors_is_indexed_again(tmp_path: Path) -> None:
    settings = make_corpus(tmp_path)
    docs, _ = read_corpus(settings.corpus_dir / "guidance")
    index = GuidanceIndex.open(tmp_path / "index", CountingEncoder())
    chunks = [c for d in docs for c in chunk_document(d)]
    index.add_chunks(chunks, {d.id: d.content_hash for d in docs}, lambda n: None)  # as before factors were stored
    report = index.sync(docs)
    assert sorted(report.updated) == ["factor-neglect", "factor-physical-abuse"]  # the pages that list factors
    assert sorted(report.unchanged) == ["front-door-every-call", "pathway-child-protection"]


def test_torch_may_use_more_threads_while_indexing_and_gets_its_setting_back(monkeypatch) -> None:
    class FakeTorch:
        threads = 1

        def get_num_threads(self) -> int:
            return self.threads

        def set_num_threads(self, n: int) -> None:
            self.threads = n

    torch = FakeTorch()
    monkeypatch.setitem(sys.modules, "torch", torch)
    with torch_threads(2):
        assert torch.threads == 2
    assert torch.threads == 1
    with pytest.raises(RuntimeError), torch_threads(2):
        raise RuntimeError("embedding failed")
    assert torch.threads == 1
    assert available_cores() >= 1


def test_drafting_leaves_the_index_alone_and_the_first_search_syncs_it(tmp_path: Path) -> None:
    """A draft reads pages, key questions and pathway rules only: a fresh data folder costs no
    embedding of the corpus before the first record; the first search brings the index up to date."""
    settings = make_corpus(tmp_path)
    loader = ModelLoader(settings, encoder="fake")
    encoder = CountingEncoder()
    loader.__dict__["encoder"] = encoder
    guidance = Guidance.open(settings, loader, sync=False)
    assert guidance.last_sync is None and guidance.index.count() == 0
    hits = guidance.search("finger-mark bruises on the upper arm", k=3)
    assert guidance.last_sync is not None and guidance.index.count() == guidance.last_sync.chunks_embedded > 0
    assert hits[0].cite == "factor-physical-abuse#what-it-looks-like"
