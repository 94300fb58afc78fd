"""The one registry of collaborative-filtering models: built-ins listed once, loaded on first use.

    @register_recommender("mine")
    class Mine(Recommender): ...

    model = create_recommender("ease", l2=400.0)       # unknown names list the available ones
    available_recommenders()        # ['als', 'debiased', 'ease', 'hybrid', 'itemknn', 'popularity', 'sequential']
    model = load_recommender(Path("cf.npz"))            # what Recommender.save wrote, any model

Like simonw/llm's plugins.py: base.py knows no model; each model module registers itself when imported,
and BUILTIN names the modules this package ships.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from assistant.errors import ConfigError

BUILTIN = ("assistant.recommend.popularity", "assistant.recommend.itemknn", "assistant.recommend.ease",
           "assistant.recommend.als", "assistant.recommend.sequential", "assistant.recommend.blend",
           "assistant.recommend.debias")
RECOMMENDERS: dict[str, type] = {}      # name -> Recommender subclass


def register_recommender(name: str):
    """Class decorator: make `cls` available as `name` (and set `cls.name`)."""
    def add(cls):
        RECOMMENDERS[name] = cls
        cls.name = name
        return cls
    return add


def _load_builtins() -> None:
    for module in BUILTIN:
        importlib.import_module(module)      # runs the module's @register_recommender


def available_recommenders() -> list[str]:
    _load_builtins()
    return sorted(RECOMMENDERS)


def create_recommender(name: str, **params):
    """A new, unfitted model `name` with `params`."""
    _load_builtins()
    if name not in RECOMMENDERS:
        raise ConfigError(f"unknown recommender {name!r}; available: {sorted(RECOMMENDERS)}")
    return RECOMMENDERS[name](**params)


def load_recommender(path: Path):
    """The model a Recommender.save() wrote to `path` (plain .npz, no pickle)."""
    with np.load(path, allow_pickle=False) as z:
        return _restore(z, "")


def _restore(z, prefix: str):
    # A saved model is {prefix}__meta__ (name, params) plus one array per state field; a component model
    # (a blend's parts) sits under "{prefix}{field}/", a CSR matrix as .data/.indices/.indptr/.shape.
    meta = json.loads(str(z[f"{prefix}__meta__"]))
    model = create_recommender(meta["name"], **meta["params"])
    for field in model.state_fields:
        key = f"{prefix}{field}"
        if f"{key}/__meta__" in z:
            value = _restore(z, f"{key}/")
        elif f"{key}.shape" in z:
            value = sp.csr_matrix((z[f"{key}.data"], z[f"{key}.indices"], z[f"{key}.indptr"]),
                                  shape=tuple(z[f"{key}.shape"]))
        elif key in z:
            value = z[key]
        else:
            continue           # an optional part the saved model did not have
        setattr(model, field, value)
    model.after_load()
    return model
