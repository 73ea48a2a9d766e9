"""``python -m postmortem_kit.sample OUT_DIR [--seed N] [--scale X]``: write the sample incident."""

from __future__ import annotations

import argparse
import json

from postmortem_kit.sample.incident import generate_incident


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, generate the incident and print its truth as JSON."""
    p = argparse.ArgumentParser(prog="python -m postmortem_kit.sample", description=__doc__)
    p.add_argument("out_dir")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--scale", type=float, default=1.0)
    args = p.parse_args(argv)
    truth = generate_incident(args.out_dir, seed=args.seed, scale=args.scale)
    print(json.dumps({k: truth[k] for k in ("phases", "users_affected", "total_requests",
                                            "failed_requests", "files")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
