"""Host syslog of the sample incident (``syslog.log``, RFC 3164 with a PRI).

Background noise (cron, sshd, systemd sessions, time sync) scales with ``scale``; the
incident adds the payments hosts' OOM kills and systemd restarts while the DB pool is
exhausted.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.sample.scenario import Scenario
from postmortem_kit.sample.traffic import join, pick, s, stamp

HOSTS = ["pay-01", "pay-02", "lb-01", "node-a1", "node-a2"]
NOISE_RATE = 0.05  # lines per second at scale 1

# PRI = facility * 8 + severity; (pri, tag, message head, message tail); a number drawn per
# line goes between head and tail, unless the tail is None.
NOISE = [
    (78, "CRON", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)", None),
    (86, "sshd", "Accepted publickey for deploy from 10.20.0.", " port 52214 ssh2: ED25519"),
    (86, "sshd", "pam_unix(sshd:session): session closed for user deploy uid=", ""),
    (30, "systemd", "Started session-", ".scope - Session of User deploy."),
    (30, "systemd-timesyncd", "Contacted time server 169.254.169.123:123 (169.254.169.123), "
     "poll ", "s."),
    (38, "systemd-logind", "Removed session ", "."),
    (29, "kernel", "TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies. "
     "Check SNMP counters. id=", ""),
]
NOISE_P = np.array([0.3, 0.12, 0.12, 0.14, 0.2, 0.11, 0.01])


def fixed_lines(scen: Scenario) -> list[tuple[int, int, str, str, int, str]]:
    """The incident's own host events: ``(time, pri, host, tag, pid, message)``."""
    rows = []
    for t, host, pid, new_pid in ((scen.at(14, 17, 12), "pay-02", 48211, 51877),
                                  (scen.at(14, 27, 40), "pay-01", 47102, 52930)):
        rows += [
            (t, 4, host, "kernel", 0, "java invoked oom-killer: gfp_mask=0x140cca("
             "GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0"),
            (t, 3, host, "kernel", 0, f"Out of memory: Killed process {pid} (java) "
             "total-vm:6218932kB, anon-rss:3989364kB, file-rss:24420kB, shmem-rss:0kB, "
             "UID:998 pgtables:8664kB oom_score_adj:0"),
            (t + 1000, 27, host, "systemd", 1, "payments.service: A process of this unit has "
             "been killed by the OOM killer."),
            (t + 1000, 27, host, "systemd", 1, "payments.service: Main process exited, "
             "code=killed, status=9/KILL"),
            (t + 1000, 28, host, "systemd", 1, "payments.service: Failed with result 'oom-kill'."),
            (t + 6000, 30, host, "systemd", 1, "payments.service: Scheduled restart job, "
             "restart counter is at 1."),
            (t + 6000, 30, host, "systemd", 1, "Stopped payments.service - Payments API."),
            (t + 6000, 30, host, "systemd", 1, "Started payments.service - Payments API."),
            (t + 19000, 30, host, "java", new_pid, "payments started in 12.4s (JVM 21.0.2)"),
        ]
    rows.append((scen.at(13, 44, 2), 85, "lb-01", "sshd", 30117,
                 "Invalid user ädmin from 198.51.100.23 port 41822"))
    return rows


def noise(rng: np.random.Generator, t0: int, t1: int, scale: float):
    """Background lines in ``[t0, t1)``: ``(times, pri, host, tag, pid, message)`` arrays."""
    n = rng.poisson(NOISE_RATE * scale * (t1 - t0) / 1000)
    t = np.sort(rng.integers(t0, t1, n) // 1000 * 1000)
    k = rng.choice(len(NOISE), n, p=NOISE_P / NOISE_P.sum())
    num = rng.integers(2, 250, n)
    host = rng.integers(0, len(HOSTS), n)
    pid = rng.integers(900, 65_000, n)
    has_num = pa.array(np.array([x[3] is not None for x in NOISE])[k])
    msg = join(pick([x[2] for x in NOISE], k), pc.if_else(has_num, s(num), ""),
               pick([x[3] or "" for x in NOISE], k))
    tag = pick([x[1] for x in NOISE], k)
    pri = np.array([x[0] for x in NOISE])[k]
    pid = np.where(np.array([x[1] for x in NOISE])[k] == "kernel", 0, pid)
    return t, pri, pick(HOSTS, host), tag, pid, msg


def lines(t, pri, host, tag, pid, msg) -> pa.Array:
    """RFC 3164 text: ``<PRI>Mmm dd hh:mm:ss host tag[pid]: msg`` (the kernel has no pid)."""
    when = stamp(np.asarray(t), "%b %d %H:%M:%S")
    # RFC 3164 pads the day with a space, not a zero ("Mar  2").
    when = pc.replace_substring_regex(when, pattern=r"^(\w{3}) 0", replacement=r"\1  ")
    pidtxt = pc.if_else(pa.array(np.asarray(pid) == 0), "", join("[", s(pid), "]"))
    return join("<", s(pri), ">", when, " ", host, " ", tag, pidtxt, ": ", msg, "\n")
