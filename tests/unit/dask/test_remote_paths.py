"""Evidence in object storage: ``s3://`` paths and globs read by the cluster's workers from
a real S3-compatible server (moto's standalone server, started here on a free port)."""

from __future__ import annotations

import gzip
import json
import warnings
from pathlib import Path

import boto3
import pandas as pd
import pytest

from postmortem_kit.errors import IngestError
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.dask import collect, rejected

REPO = Path(__file__).resolve().parents[3]
INCIDENT = REPO / "data" / "incident"
BUCKET = "incident-logs"
T0 = 1714557600


@pytest.fixture(scope="module")
def s3():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    options = {"key": "testing", "secret": "testing",
               "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    for name in ("app.jsonl", "syslog.log"):
        client.put_object(Bucket=BUCKET, Key=f"prod/{name}.gz",
                          Body=gzip.compress((INCIDENT / name).read_bytes()))
    client.put_object(Bucket=BUCKET, Key="prod/access.log",
                      Body=(INCIDENT / "access.log").read_bytes())
    bad = json.dumps({"ts": T0, "msg": "ok"}) + "\n{cut\n"
    client.put_object(Bucket=BUCKET, Key="other/bad.jsonl", Body=bad.encode())
    try:
        yield options
    finally:
        server.stop()


def test_an_s3_folder_loads_as_the_same_files_on_disk(dask_client, s3):
    events = read_events(f"s3://{BUCKET}/prod/", engine="dask", storage_options=s3)
    assert events.npartitions == 3
    got = collect(events, warn=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = read_events([INCIDENT / n for n in ("access.log", "app.jsonl",
                                                       "syslog.log")])
    assert sorted(got["source"].unique()) == ["access", "app", "syslog"]
    pd.testing.assert_frame_equal(got, expected, check_like=True)


def test_an_s3_glob_and_its_rejects_name_the_url(dask_client, s3):
    events = read_events(f"s3://{BUCKET}/other/*.jsonl", engine="dask", storage_options=s3)
    bad = rejected(events).compute()
    assert list(bad["file"]) == [f"s3://{BUCKET}/other/bad.jsonl"]
    assert list(bad["line"]) == [2]
    assert len(events.compute()) == 1


def test_an_s3_glob_matching_nothing_is_a_clear_error(dask_client, s3):
    with pytest.raises(IngestError, match="no file matches"):
        read_events(f"s3://{BUCKET}/nowhere/*.log", engine="dask", storage_options=s3)
