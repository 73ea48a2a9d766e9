"""``--engine dask [--scheduler ADDR]``: the verbs that read evidence, on a Dask cluster.

Without ``--scheduler`` a local cluster is started for the run (worker processes on this
machine, as ``distributed.Client()`` starts them); with it, the run connects to the
scheduler at ADDR (``tcp://scheduler:8786``), whose workers read the files: paths must
then be ones the workers can open (a shared folder, or ``s3://``, ``gs://``, ``https://``).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from postmortem_kit.errors import InputError, UsageError

CONNECT_TIMEOUT = "10s"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``--engine`` and ``--scheduler`` to a verb's parser."""
    p.add_argument("--engine", choices=("pandas", "dask"), default="pandas",
                   help="pandas (default): load here; dask: on a Dask cluster's workers "
                        "(also reads s3://, gs://, https:// paths)")
    p.add_argument("--scheduler", metavar="ADDR",
                   help="with --engine dask: the scheduler to use (tcp://host:8786); "
                        "default: a local cluster started for this run")


@contextmanager
def cluster(args: argparse.Namespace) -> Iterator[None]:
    """Run the body with the dask client ``--engine``/``--scheduler`` ask for (nothing
    for the pandas engine). UsageError for ``--scheduler`` without ``--engine dask``,
    InputError when the scheduler does not answer."""
    if args.engine != "dask":
        if args.scheduler:
            raise UsageError("--scheduler needs --engine dask")
        yield
        return
    try:
        from distributed import Client

        import postmortem_kit.ingest.dask  # noqa: F401  (its worker defaults, first)
    except ImportError:
        raise UsageError("--engine dask needs dask: pip install 'postmortem-kit[dask]'"
                         ) from None
    if args.scheduler:
        try:
            client = Client(args.scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise InputError(f"--scheduler {args.scheduler}: no Dask scheduler answered "
                             f"within {CONNECT_TIMEOUT} ({exc})") from None
    else:
        client = Client(processes=True, dashboard_address=None)
    with client:
        yield
