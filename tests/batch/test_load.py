"""The batch's results loaded into the dashboard's database: the directors' KPIs and a branch's work queue
read the batch's figures (PostgreSQL through COPY; SQLite through chunked inserts)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine, delete, func, select

from jkn_batch.load import load
from jkn_core.collection import work_queue
from jkn_core.kpi import arrears_aging, freshness
from jkn_core.kpi.refresh import AGG_TABLES
from jkn_core.programmes import channels
from jkn_core.schema import Base, Family, ModelScore, Participant
from jkn_core.scope import Scope
from tests.batch.fixtures import copy_base_tables

pytestmark = [pytest.mark.xdist_group("spark"), pytest.mark.slow]


def _branch_with_arrears(engine: Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(select(Family.branch_code).where(Family.arrears_before_months > 0)
                            .group_by(Family.branch_code).order_by(func.count().desc()).limit(1)).scalar_one()


@pytest.mark.postgres
def test_batch_results_feed_the_dashboard_on_postgresql(batch_world, empty_engine):
    pg = empty_engine("postgresql")
    copy_base_tables(batch_world.engine, pg)
    with pg.connect() as conn:
        assert not freshness.usable(conn)  # no aggregates yet: the KPIs would scan the base tables
    counts = load(pg, batch_world.output_dir)
    assert counts["model_scores"] == len(pd.read_parquet(batch_world.output_dir / "model_scores"))
    with pg.connect() as conn:
        assert freshness.usable(conn)
        people = conn.execute(select(func.sum(Participant.weight))).scalar()
    # directors: the arrears aging read from the loaded aggregates = the batch's Parquet figures
    agg = pd.read_parquet(batch_world.output_dir / "agg_arrears")
    last = int(agg["period"].max())
    got = arrears_aging(pg, Scope.system(), last)
    want = agg[agg["period"] == last].groupby("bucket")[["people", "families", "rp"]].sum()
    for _, row in got.iterrows():
        expected = want.loc[row["bucket"]] if row["bucket"] in want.index else pd.Series(0, index=want.columns)
        assert (int(row["people"]), int(row["rp"])) == (int(expected["people"]), int(expected["rp"]))
    assert got["people"].sum() > 0 and people > got["people"].sum()
    # the same figure from the base tables (aggregates switched off by deleting their freshness mark)
    with pg.begin() as conn:
        conn.execute(delete(Base.metadata.tables["meta"]).where(
            Base.metadata.tables["meta"].c.key == freshness.META_KEY))
    live = arrears_aging(pg, Scope.system(), last)
    pd.testing.assert_frame_equal(live, got)
    # a branch's work queue ranks by the batch's stored scores
    branch = _branch_with_arrears(pg)
    queue = work_queue.ranked_families(pg, Scope.system(), work_queue.queue_key(pg, Scope.system(), branch))
    assert len(queue) > 10
    scores = pd.read_parquet(batch_world.output_dir / "model_scores")
    by_id = dict(zip(scores["entity_id"].astype(str), scores["score"], strict=True))
    assert [by_id[str(int(f))] for f in queue["family_id"]] == queue["risk"].tolist()
    with pg.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(ModelScore)).scalar()
    assert stored == len(scores)
    assert channels.usable(pg)  # agg_channel loaded too: the channel mix reads it


def test_load_into_sqlite_replaces_the_tables(batch_world, empty_engine):
    eng = empty_engine("sqlite")
    copy_base_tables(batch_world.engine, eng)
    first = load(eng, batch_world.output_dir)
    again = load(eng, batch_world.output_dir)  # a re-run replaces, never duplicates
    assert first == again
    with eng.connect() as conn:
        for t in AGG_TABLES:
            assert conn.execute(select(func.count()).select_from(t)).scalar() == first[t.name]
        actions = conn.execute(select(func.count()).select_from(Base.metadata.tables["audit_log"])
                               .where(Base.metadata.tables["audit_log"].c.action == "batch_load")).scalar()
    assert actions == 2 * len(first)
    # the channel mix (#13) reads the loaded agg_channel (its mark is current) and shows the batch's figures
    assert channels.usable(eng)
    mix = channels.channel_mix(eng, Scope.system())
    want = pd.read_parquet(batch_world.output_dir / "agg_channel").groupby(["period", "channel"])["payments"].sum()
    got = mix.set_index(["period", "channel"])["payments"]
    assert len(got) == len(want) > 0
    assert {k: int(v) for k, v in got.items()} == {(int(p), c): int(v) for (p, c), v in want.items()}
