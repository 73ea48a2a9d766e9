"""The record-oriented pipeline (``jsonl``, ``logfmt``, ``csv``): key/value records in
Arrow batches (:mod:`.batches`), their schema fields found under the usual names
(:mod:`.fields`)."""
