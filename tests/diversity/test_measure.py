"""Per-group diversity table: hand-computed rows, statuses, and input validation."""
from __future__ import annotations

import math

import numpy as np
import pytest

from homog.diversity.measure import COLUMNS, diversity_table
from homog.diversity.metrics import vendi_score

D = np.array([[0.0, 0.6, 0.9], [0.6, 0.0, 0.3], [0.9, 0.3, 0.0]])
LABELS = [0, 0, 1, -1, 0, 1, 1, 2]
GROUPS = [2019, 2019, 2019, 2019, 2020, 2020, 2020, 2020]


@pytest.fixture()
def emb():
    return np.random.default_rng(3).normal(size=(8, 5))


def test_rows_match_hand_computed_values(emb):
    table = diversity_table(LABELS, GROUPS, emb, D)
    assert list(table.columns) == list(COLUMNS)
    assert table["group"].tolist() == [2019, 2020]
    y19, y20 = table.iloc[0], table.iloc[1]
    # 2019: clustered counts [2, 1, 0], one noise paper; p = [2/3, 1/3]
    assert (y19.n_papers, y19.n_clustered, y19.n_noise, y19.status) == (4, 3, 1, "ok")
    h = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3))
    assert y19.shannon == pytest.approx(h, abs=1e-15)
    assert y19.hill1 == pytest.approx(math.exp(h), rel=1e-14)
    assert y19.gini_simpson == pytest.approx(1 - 5 / 9, abs=1e-15)
    assert y19.rao_stirling == pytest.approx(2 * 0.6 * 2 / 9, abs=1e-15)
    assert y19.vendi == pytest.approx(vendi_score(emb[:4]), rel=1e-12)  # noise paper included
    # 2020: counts [1, 2, 1]; p = [1/4, 1/2, 1/4]
    assert (y20.n_papers, y20.n_clustered, y20.n_noise) == (4, 4, 0)
    assert y20.shannon == pytest.approx(1.5 * math.log(2), abs=1e-15)
    assert y20.gini_simpson == pytest.approx(0.625, abs=1e-15)
    assert y20.rao_stirling == pytest.approx(2 * (0.6 / 8 + 0.9 / 16 + 0.3 / 8), abs=1e-15)
    assert y20.vendi == pytest.approx(vendi_score(emb[4:]), rel=1e-12)


def test_n_papers_mapping_and_insufficient_groups(emb):
    table = diversity_table(LABELS[:5], GROUPS[:5], emb[:5], D, n_papers={2018: 3, 2019: 6, 2020: 2})
    rows = table.set_index("group")
    assert rows.index.tolist() == [2018, 2019, 2020]
    assert rows.loc[2018, "n_papers"] == 3 and rows.loc[2018, "n_clustered"] == 0
    assert rows.loc[2019, "n_papers"] == 6 and rows.loc[2019, "status"] == "ok"
    # 2020 has two papers, only one with an abstract -> below min_papers
    assert rows.loc[2020, "status"] == "insufficient data (<2 papers)"
    for g in (2018, 2020):
        assert rows.loc[g, ["shannon", "hill1", "gini_simpson", "rao_stirling", "vendi"]].isna().all()
    assert diversity_table(LABELS, GROUPS, emb, D, min_papers=5)["status"].unique().tolist() == [
        "insufficient data (<5 papers)"
    ]


def test_string_groups_sorted(emb):
    table = diversity_table(LABELS, ["b", "a"] * 4, emb, D)
    assert table["group"].tolist() == ["a", "b"]


def test_bad_inputs_raise(emb):
    with pytest.raises(ValueError, match="same papers"):
        diversity_table(LABELS, GROUPS[:-1], emb, D)
    with pytest.raises(ValueError, match="out of range"):
        diversity_table(LABELS, GROUPS, emb, D[:2, :2])
    with pytest.raises(ValueError, match="no group value"):
        diversity_table(LABELS, GROUPS[:-1] + [None], emb, D)
    with pytest.raises(ValueError, match="n_papers"):
        diversity_table(LABELS, GROUPS, emb, D, n_papers={2019: 1})
