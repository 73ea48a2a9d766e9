"""A container log's path names its container: the service of CRI and Docker rows."""

from __future__ import annotations

import json

from postmortem_kit import read_events
from postmortem_kit.ingest.containers import path_labels

UID = "0c1d2e3f-1111-2222-3333-444455556666"
CID = "3f4e" * 16


def test_kubelet_paths_and_their_links():
    assert path_labels(f"/var/log/pods/shop_checkout-7d9f_{UID}/checkout/0.log") == {
        "service": "checkout", "pod": "checkout-7d9f", "namespace": "shop"}
    assert path_labels(f"/var/log/pods/shop_checkout-7d9f_{UID}/checkout/3.log.20240501-1000"
                       ".gz")["service"] == "checkout"
    assert path_labels(f"/var/log/containers/checkout-7d9f_shop_istio-proxy-{CID}.log") == {
        "service": "istio-proxy", "pod": "checkout-7d9f", "namespace": "shop"}
    assert path_labels(f"/var/lib/docker/containers/{CID}/{CID}-json.log") == {
        "container_id": CID[:12]}
    assert path_labels("/tmp/evidence/0.log") == {}


def test_a_cri_file_under_the_kubelet_layout(tmp_path):
    folder = tmp_path / "pods" / f"shop_checkout-7d9f_{UID}" / "checkout"
    folder.mkdir(parents=True)
    (folder / "0.log").write_text("2024-05-01T10:00:00.123456789Z stdout F started\n"
                                  "2024-05-01T10:00:01Z stderr P part one \n"
                                  "2024-05-01T10:00:01.1Z stderr F and two\n")
    events = read_events(folder / "0.log")
    assert list(events["message"]) == ["started", "part one and two"]
    assert list(events["service"]) == ["checkout", "checkout"]
    assert list(events["pod"]) == ["checkout-7d9f"] * 2
    assert list(events["namespace"]) == ["shop"] * 2


def test_a_docker_file_takes_compose_service_then_tag(tmp_path):
    folder = tmp_path / "containers" / CID
    folder.mkdir(parents=True)
    rows = [{"log": "GET / 200\n", "stream": "stdout", "time": "2024-05-01T10:00:00.5Z",
             "attrs": {"com.docker.compose.service": "web", "tag": "shop-web"}},
            {"log": "boom\n", "stream": "stderr", "time": "2024-05-01T10:00:01Z",
             "attrs": {"tag": "shop-worker"}}]
    path = folder / f"{CID}-json.log"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    events = read_events(path)
    assert list(events["service"]) == ["web", "shop-worker"]
    assert list(events["container_id"]) == [CID[:12]] * 2
    assert list(events["message"]) == ["GET / 200", "boom"]
