"""Alembic migrations of the desk's database (run them with `desk db upgrade`, see bot/dbcli.py).

``MODEL_MODULES`` names every module that defines tables: the migrations and
the drift test see exactly the tables these modules register in
``SQLModel.metadata``. A new module with tables must be added here.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

MODEL_MODULES = ("bot.models", "bot.notices.models", "bot.telegram_store")
INITIAL_REVISION = "0001"


def target_metadata() -> MetaData:
    """The metadata of every table the desk defines (importing the modules registers them)."""
    from sqlmodel import SQLModel

    for name in MODEL_MODULES:
        importlib.import_module(name)
    return SQLModel.metadata
