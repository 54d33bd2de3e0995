"""A harvest or a file load run in a child process, so that a test can SIGKILL it at a random moment.

    python killable_child.py harvest STORE URL      # the recorded arXiv 'testing' query, 10 per page
    python killable_child.py load STORE FILE        # a file, in batches of 7 records

Prints ``ready`` once its imports are done, just before the work starts, then ``done`` at the end.
"""
from __future__ import annotations

import sys
from pathlib import Path

from mock_arxiv import FakeClock

from homog.corpus.harvest.arxiv_api import ArxivHarvester
from homog.corpus.harvest.polite import PoliteGetter, RetryPolicy
from homog.corpus.ingest import ingest_files
from homog.store import Store


def main(mode: str, store_path: str, target: str) -> None:
    with Store(store_path) as store:
        print("ready", flush=True)
        if mode == "harvest":
            getter = PoliteGetter(RetryPolicy(), clock=FakeClock(), floor=3.0)  # spacing kept, not waited out
            ArxivHarvester(store, page_size=10, getter=getter, base_url=target).harvest_one("testing", max_results=60)
        else:
            ingest_files([Path(target)], store, batch_size=7)
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
