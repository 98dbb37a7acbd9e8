"""The engine on worker threads gives the numbers of the engine on one thread, to the last bit
(core/mapping_threads; docs/ARCHITECTURE.md, "The mapping engine")."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from phdesk.core import mapping_kernels, mapping_points, mapping_threads, stats_sii_batch
from phdesk.core.mapping import MappingEngine, MappingParams, compute_mapping
from phdesk.core.mapping_threads import Workers, thread_count
from tests.core.test_mapping_engine import _icb

TABLES = ("area_access", "neighbourhood_segments", "cold_spots", "inequality", "assets",
          "category_rules")


def test_thread_count_from_the_caller_then_the_environment(monkeypatch):
    monkeypatch.setenv("PHDESK_THREADS", "3")
    assert thread_count() == 3 and thread_count(1) == 1 and thread_count(0) == 1
    monkeypatch.setenv("PHDESK_THREADS", "many")      # not a whole number: ignored
    assert 1 <= thread_count() <= mapping_threads.MAX_THREADS
    monkeypatch.delenv("PHDESK_THREADS")
    assert 1 <= thread_count() <= mapping_threads.MAX_THREADS


def test_one_thread_runs_every_part_in_the_caller_in_order():
    seen = []
    out = Workers(1).map(lambda p: seen.append(threading.get_ident()) or p * 2, range(5))
    assert out == [0, 2, 4, 6, 8] and set(seen) == {threading.get_ident()}


def test_parts_on_threads_come_back_in_order_and_nested_maps_run_in_line():
    w = Workers(3)

    def part(p):
        inner = w.map(lambda q: (q, threading.get_ident()), range(3))
        assert {t for _, t in inner} == {threading.get_ident()}   # in the part's own thread
        return p, threading.get_ident()

    out = w.map(part, range(12))
    assert [p for p, _ in out] == list(range(12))
    assert all(t != threading.get_ident() for _, t in out)
    assert [(s.start, s.stop) for s in w.chunks(10)] == [(0, 3), (3, 6), (6, 10)]
    assert w.chunks(10, least=6) == [slice(0, 10)]


def test_a_failing_part_raises_in_the_caller():
    def part(p):
        if p == 3:
            raise ValueError("part 3")
        return p

    with pytest.raises(ValueError, match="part 3"):
        Workers(2).map(part, range(6))


@pytest.fixture(scope="module")
def icb():
    return _icb(), MappingParams(sii_repetitions=2000)


def _tables(result):
    return {name: getattr(result, name).reset_index(drop=True) for name in TABLES}


def test_threads_give_the_one_thread_tables_to_the_last_bit(icb, monkeypatch):
    inputs, params = icb
    one = _tables(compute_mapping(inputs, params, threads=1))
    # small parts, so every threaded path really splits at this size: strips of the edge
    # test, parts of each intersects_xy call, blocks of SII fits
    monkeypatch.setattr(mapping_kernels, "EDGE_CHUNK", 37)
    monkeypatch.setattr(mapping_points, "_LEAST", 50)
    monkeypatch.setattr(stats_sii_batch, "_ROWS", 7)
    many = _tables(compute_mapping(inputs, params, threads=3))
    for name in TABLES:
        pd.testing.assert_frame_equal(one[name], many[name], check_exact=True, obj=name)


def test_the_environment_forces_one_thread_and_a_live_whatif_agrees(icb, monkeypatch):
    inputs, params = icb
    monkeypatch.setenv("PHDESK_THREADS", "1")
    engine = MappingEngine(inputs, params, live=True)
    assert mapping_threads.Workers().threads == 1
    base = _tables(engine.run())
    monkeypatch.setenv("PHDESK_THREADS", "3")
    monkeypatch.setattr(mapping_kernels, "EDGE_CHUNK", 37)
    threaded = MappingEngine(inputs, params, live=True)
    assert _tables(threaded.run())["area_access"].equals(base["area_access"])
    first = inputs.assets["id"].iloc[0]
    to = (float(inputs.assets["easting"].iloc[0]) + 700.0,
          float(inputs.assets["northing"].iloc[0]))
    a, b = _tables(engine.whatif(move={first: to})), _tables(threaded.whatif(move={first: to}))
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)
