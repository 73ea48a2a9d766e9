"""What a container log's path says about its container.

A CRI or Docker log line holds only the time, the stream and the text: which service wrote
it is in where the file sits, as the kubelet and dockerd lay them out:

- ``/var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log`` (the kubelet's own files);
- ``/var/log/containers/<pod>_<namespace>_<container>-<container id>.log`` (its links);
- ``/var/lib/docker/containers/<id>/<id>-json.log`` (Docker's ``json-file`` driver).

A copy keeps these names when a folder is copied whole (``kubectl cp``, a support bundle).
"""

from __future__ import annotations

import re
from pathlib import Path

_POD_DIR = re.compile(r"(?:^|/)(?P<namespace>[^/_]+)_(?P<pod>[^/_]+)_(?P<uid>[0-9a-f-]{32,36})"
                      r"/(?P<container>[^/]+)/\d+\.log(?:\.[^/]*)?$")
_CONTAINER_LINK = re.compile(r"(?:^|/)(?P<pod>[^/_]+)_(?P<namespace>[^/_]+)_(?P<container>[^/]+)"
                             r"-(?P<id>[0-9a-f]{64})\.log$")
_DOCKER = re.compile(r"(?:^|/)(?P<id>[0-9a-f]{64})/(?P=id)-json\.log(?:\.\d+)?(?:\.[a-z]+)?$")


def path_labels(path: str | Path) -> dict[str, str]:
    """The container's labels the path gives: ``service`` (the container's name),
    ``pod`` and ``namespace`` for a Kubernetes path; ``container_id`` (12 hex digits, as
    ``docker ps`` shows it) for a Docker one; empty for any other path.

    >>> path_labels("/var/log/pods/shop_checkout-7d9f_0c1d2e3f-1111-2222-3333-444455556666"
    ...             "/checkout/0.log")
    {'service': 'checkout', 'pod': 'checkout-7d9f', 'namespace': 'shop'}
    """
    text = Path(path).as_posix()
    for pattern in (_POD_DIR, _CONTAINER_LINK):
        match = pattern.search(text)
        if match:
            return {"service": match["container"], "pod": match["pod"],
                    "namespace": match["namespace"]}
    match = _DOCKER.search(text)
    if match:
        return {"container_id": match["id"][:12]}
    return {}
