from __future__ import annotations

import pyarrow as pa

from workbench.store.tables import ParquetLog

SCHEMA = pa.schema([("id", pa.string()), ("n", pa.int64())])


def test_append_read_and_incremental_cache(tmp_path):
    log = ParquetLog(tmp_path / "t", SCHEMA)
    assert log.read().empty
    log.append([{"id": "a", "n": 1}])
    first = log.read()
    assert log.read() is first  # nothing new: cached
    log.append([{"id": "b", "n": 2}, {"id": "c", "n": 3}])
    assert list(log.read()["id"]) == ["a", "b", "c"]
    # another reader of the same folder sees the same rows
    assert list(ParquetLog(tmp_path / "t", SCHEMA).read()["n"]) == [1, 2, 3]


def test_staged_and_torn_files_are_ignored(tmp_path):
    log = ParquetLog(tmp_path / "t", SCHEMA)
    log.append([{"id": "a", "n": 1}])
    (tmp_path / "t" / "_00000000000000000001-1-abc.parquet").write_bytes(b"PAR1 torn")
    assert list(log.read()["id"]) == ["a"]


def test_compact_merges_files_and_keeps_order(tmp_path):
    log = ParquetLog(tmp_path / "t", SCHEMA)
    for i in range(10):
        log.append([{"id": str(i), "n": i}])
    assert log.compact() == 10
    assert log.file_count() == 1
    assert list(log.read()["n"]) == list(range(10))
    log.append([{"id": "x", "n": 10}])
    assert list(ParquetLog(tmp_path / "t", SCHEMA).read()["n"]) == list(range(11))


def test_crash_between_compaction_and_cleanup_never_double_counts(tmp_path, monkeypatch):
    log = ParquetLog(tmp_path / "t", SCHEMA)
    for i in range(3):
        log.append([{"id": str(i), "n": i}])
    monkeypatch.setattr(ParquetLog, "sweep_replaced", lambda self: None)  # "crash" before the old files go
    log.compact()
    monkeypatch.undo()
    assert len(list((tmp_path / "t").glob("*.parquet"))) == 4
    fresh = ParquetLog(tmp_path / "t", SCHEMA)
    assert list(fresh.read()["n"]) == [0, 1, 2]
    fresh.sweep_replaced()
    assert len(list((tmp_path / "t").glob("*.parquet"))) == 1
    assert list(ParquetLog(tmp_path / "t", SCHEMA).read()["n"]) == [0, 1, 2]
