"""One scanning station's work, run as its own process by the multi-station test.

Imports a roster file, then records pages (hashes from a seed) into its own batch.
Prints one JSON line with what it did.
"""

from __future__ import annotations

import argparse
import hashlib
import json

from core.settings import load_settings
from workflow.context import open_context
from workflow.roster_import import import_roster
from workflow.scan_batches import open_batch, record_page


def main() -> None:
    """Do the station's work against the database in the environment."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--roster", required=True)
    parser.add_argument("--exam", type=int, required=True)
    parser.add_argument("--pages", nargs="+", required=True, help="page keys to hash")
    args = parser.parse_args()
    context = open_context(load_settings(), actor="station")
    summary = import_roster(context, args.roster)
    batch = open_batch(context, args.exam, f"test:{context.station}")
    created = 0
    for key in args.pages:
        digest = hashlib.sha256(key.encode()).hexdigest()
        created += record_page(context, batch, digest, f"pages/{digest}.png", "test").created
    context.close()
    print(json.dumps(  # noqa: T201 - the test reads this line
        {"added": summary.added, "batch": batch, "pages_created": created}))


if __name__ == "__main__":
    main()
