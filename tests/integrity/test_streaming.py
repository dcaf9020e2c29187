"""The fast pass folds leaves arriving in chunks of any size into the roots asked for, and
reads the store wherever it lives."""

from __future__ import annotations

import random
from pathlib import Path

from services.composition import bootstrap
from services.demo.seed import seed_demo
from services.integrity import merkle
from services.integrity.entries import Chunk
from services.integrity.scanning import StreamingRoot, chunks
from services.settings import load_settings


def test_streamed_roots_equal_the_trees_at_every_asked_size() -> None:
    rng = random.Random(8)
    leaves = [merkle.entry_hash(f"event {i}".encode()) for i in range(1500)]
    sizes = [1, 2, 3, 255, 256, 257, 1024, 1499, 1500, *rng.sample(range(1, 1501), 20)]
    streaming = StreamingRoot(sizes)
    at = 0
    while at < len(leaves):
        step = rng.choice([1, 2, 7, 64, 300])
        streaming.add(leaves[at:at + step])
        at += step
    for size in sizes:
        assert streaming.root(size) == merkle.append(0, [], leaves[:size]).root
    assert streaming.count == 1500


def test_a_size_beyond_the_leaves_that_came_has_no_root() -> None:
    streaming = StreamingRoot([10])
    streaming.add([merkle.entry_hash(b"x")] * 9)
    assert streaming.root(10) is None


def test_chunks_cover_the_positions_once_in_order() -> None:
    assert chunks(1, 10, 4) == [Chunk(0, 4), Chunk(4, 8), Chunk(8, 10)]
    assert chunks(5, 5, 4) == [Chunk(4, 5)]
    assert chunks(0, 0, 4) == []


def test_a_data_directory_with_unusual_characters_verifies(tmp_path: Path) -> None:
    data = tmp_path / "clinic #1 ?%20"
    container = bootstrap(load_settings(data_dir=data))
    try:
        seed_demo(container.pathways, count=1, seed=7)
        result = container.integrity.verify(jobs=2)
        assert result.ok, result.finding
        assert result.events > 0
    finally:
        container.close()
