"""Ground truth check: signature mining groups the LogHub samples as their ``EventId`` does.

Grouping accuracy, as the LogHub benchmark defines it: a message counts as right when the
group it was put in holds exactly the messages of its true group (same ``EventId``);
accuracy is the share of messages that are right. At least 0.95 on each sample. The
samples live beside the repository in ``../shared/samples`` (not in a user's clone): the
tests skip when it is absent.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.timeline.signatures import mine_signatures

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "loghub"
REQUIRED_ACCURACY = 0.95

pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"LogHub samples not found at {SAMPLES} (not in a user's clone)"
)


def grouping_accuracy(truth: list[str], predicted: list[str]) -> float:
    """Share of messages whose predicted group is exactly their true group."""
    true_groups: dict[str, set[int]] = defaultdict(set)
    predicted_groups: dict[str, set[int]] = defaultdict(set)
    for line, (t, p) in enumerate(zip(truth, predicted, strict=True)):
        true_groups[t].add(line)
        predicted_groups[p].add(line)
    right = 0
    for lines in predicted_groups.values():
        some_line = next(iter(lines))
        if true_groups[truth[some_line]] == lines:
            right += len(lines)
    return right / len(truth)


def test_grouping_accuracy_counts_only_exact_groups() -> None:
    # Truth: {0, 1} and {2, 3}. Predicted: {0, 1} right; {2} and {3} split, both wrong.
    assert grouping_accuracy(["a", "a", "b", "b"], ["x", "x", "y", "z"]) == 0.5
    # One predicted group holding both true groups: nothing is right.
    assert grouping_accuracy(["a", "a", "b", "b"], ["x", "x", "x", "x"]) == 0.0


@pytest.mark.parametrize("name", ["Apache", "Linux", "Zookeeper", "Spark"])
def test_signatures_group_the_loghub_sample_like_its_ground_truth(name: str) -> None:
    truth = pd.read_csv(SAMPLES / name / f"{name}_2k.log_structured.csv", dtype=str,
                        keep_default_na=False)
    sig = mine_signatures(truth["Content"])
    accuracy = grouping_accuracy(truth["EventId"].tolist(), sig["signature_id"].tolist())
    assert accuracy >= REQUIRED_ACCURACY, f"{name}: grouping accuracy {accuracy:.3f}"
