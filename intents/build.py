"""``python -m intents.build``: rebuild ``intents/data/model.cache.json`` after editing the data.

Needed only for import speed: a stale cache is ignored and the examples are counted at import.
"""

from __future__ import annotations

import sys

from intents.training import source_key, write_cache


def main(argv: list[str] | None = None) -> int:
    """Write the cache and say where."""
    path = write_cache()
    print(f"wrote {path} (key {source_key()[:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
