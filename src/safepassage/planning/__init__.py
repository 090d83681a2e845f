"""Pure planning library: road networks, hazards, routing, evacuation capacity, siting.

Imports no Django and nothing else of `safepassage` (an import-linter contract
checks it): plain data in (numpy arrays, dataclasses), plain data out, usable
from a notebook.
"""

from __future__ import annotations

import importlib
from typing import Any

# Public names and the module that defines each; loaded on first use so that
# importing one capability does not pay for the others (numba, highspy).
_EXPORTS = {
    "Network": "network",
    "load_network": "network",
    "district_graph": "network",
    "Hazard": "hazards",
    "HazardSet": "hazards",
    "Route": "routing",
    "Router": "routing",
    "shortest_route": "routing",
    "alternative_routes": "routing",
    "EvacuationProblem": "evacuation",
    "EvacuationResult": "evacuation",
    "evacuate_exact": "evacuation",
    "evacuate_ccrp": "evacuation",
    "SitingProblem": "siting",
    "SitingResult": "siting",
    "solve_mclp": "siting",
    "solve_pmedian": "siting",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'safepassage.planning' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module_name}"), name)
