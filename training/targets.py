"""What the default fill is judged against (issue targets): the classical methods, the two
test splits, and how far below the best classical method's gap RMSE it must be."""
from __future__ import annotations

CLASSICAL = ("navier-stokes", "telea", "idw")
SPLITS = ("ID", "OOD")
TARGETS = {"OOD": 0.10, "ID": 0.15}  # fraction below the best classical method's gap RMSE


def best_classical(summ: dict, split: str) -> tuple:
    """(gap RMSE, name) of the classical method with the lowest mean gap RMSE in `split`:
    the baseline is chosen per split, as a user would pick the better tool for their scenes."""
    cands = [(summ[m][split]["rmse"][0], m) for m in CLASSICAL if split in summ.get(m, {})]
    return min(cands) if cands else (float("nan"), "-")
