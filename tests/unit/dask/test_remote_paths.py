"""Evidence in object storage and on web servers: ``s3://`` paths and globs read by the
cluster's workers from a real S3-compatible server (moto's standalone server), ``http://``
files from the standard library's HTTP server, each started here on a free port."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
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


def _wait_until_answers(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)


def _assert_same_as_on_disk(events, names: tuple[str, ...]) -> None:
    """``events`` (remote copies of the incident's ``names``) equal the local files' load."""
    assert events.npartitions == len(names)
    got = collect(events, warn=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = read_events([INCIDENT / n for n in names])
    assert sorted(got["source"].unique()) == sorted(n.split(".")[0] for n in names)
    pd.testing.assert_frame_equal(got, expected, check_like=True)


def _assert_one_reject_named_by_url(events, url: str) -> None:
    bad = rejected(events).compute()
    assert list(bad["file"]) == [url]
    assert list(bad["line"]) == [2]
    assert len(events.compute()) == 1


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
    _assert_same_as_on_disk(events, ("access.log", "app.jsonl", "syslog.log"))


def test_an_s3_glob_and_its_rejects_name_the_url(dask_client, s3):
    events = read_events(f"s3://{BUCKET}/other/*.jsonl", engine="dask", storage_options=s3)
    _assert_one_reject_named_by_url(events, f"s3://{BUCKET}/other/bad.jsonl")


def test_an_s3_glob_matching_nothing_is_a_clear_error(dask_client, s3):
    with pytest.raises(IngestError, match="no file matches"):
        read_events(f"s3://{BUCKET}/nowhere/*.log", engine="dask", storage_options=s3)


# -- https:// and http://: a real HTTP server (the standard library's) -------------------

@pytest.fixture(scope="module")
def http_root(tmp_path_factory):
    """A folder served by ``python -m http.server`` on a free port: its base URL."""
    root = tmp_path_factory.mktemp("www")
    (root / "prod").mkdir()
    (root / "prod" / "app.jsonl.gz").write_bytes(gzip.compress((INCIDENT / "app.jsonl")
                                                               .read_bytes()))
    (root / "prod" / "syslog.log").write_bytes((INCIDENT / "syslog.log").read_bytes())
    (root / "bad.jsonl").write_text(json.dumps({"ts": T0, "msg": "ok"}) + "\n{cut\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                               "127.0.0.1", "--directory", str(root)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answers(base + "/")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_http_files_load_as_the_same_files_on_disk(dask_client, http_root):
    urls = [f"{http_root}/prod/app.jsonl.gz", f"{http_root}/prod/syslog.log"]
    _assert_same_as_on_disk(read_events(urls, engine="dask"), ("app.jsonl", "syslog.log"))


def test_an_http_file_s_rejects_name_the_url(dask_client, http_root):
    events = read_events(f"{http_root}/bad.jsonl", engine="dask")
    _assert_one_reject_named_by_url(events, f"{http_root}/bad.jsonl")


def test_a_missing_http_file_is_a_clear_error(dask_client, http_root):
    with pytest.raises(IngestError, match=r"nowhere\.log: no such file"):
        read_events(f"{http_root}/nowhere.log", engine="dask")


# -- gs://: a real local emulator of the Cloud Storage JSON API (gcp-storage-emulator) ---

def _no_grpc_probe() -> None:
    # gcsfs >= 2026 first asks the gRPC Storage Control API for a bucket's type (zonal,
    # hierarchical), which the emulator does not serve: a minute's timeout per bucket.
    # Its plain JSON-API file system is what reads an emulator (and most buckets).
    os.environ["GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT"] = "false"


@pytest.fixture(scope="module")
def gcs(dask_client):
    _no_grpc_probe()
    dask_client.run(_no_grpc_probe)  # (before gcsfs is first imported there)
    import gcsfs

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).with_name("gcp-storage-emulator")),
                               "start", "--host", "127.0.0.1", "--port", str(port),
                               "--in-memory"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    options = {"endpoint_url": endpoint, "token": "anon", "project": "test"}
    try:
        _wait_until_answers(endpoint + "/storage/v1/b?project=test")
        fs = gcsfs.GCSFileSystem(**options)
        fs.mkdir(BUCKET)
        fs.pipe(f"{BUCKET}/prod/app.jsonl.gz", gzip.compress((INCIDENT / "app.jsonl")
                                                             .read_bytes()))
        fs.pipe(f"{BUCKET}/prod/syslog.log", (INCIDENT / "syslog.log").read_bytes())
        fs.pipe(f"{BUCKET}/other/bad.jsonl",
                (json.dumps({"ts": T0, "msg": "ok"}) + "\n{cut\n").encode())
        yield options
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_gs_folder_loads_as_the_same_files_on_disk(dask_client, gcs):
    events = read_events(f"gs://{BUCKET}/prod/", engine="dask", storage_options=gcs)
    _assert_same_as_on_disk(events, ("app.jsonl", "syslog.log"))


def test_a_gs_glob_and_its_rejects_name_the_url(dask_client, gcs):
    events = read_events(f"gs://{BUCKET}/other/*.jsonl", engine="dask", storage_options=gcs)
    _assert_one_reject_named_by_url(events, f"gs://{BUCKET}/other/bad.jsonl")
