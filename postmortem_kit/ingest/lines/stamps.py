"""The timestamp renderings a text log may use, as regexes with
:mod:`~postmortem_kit.ingest.lines.timeparts` group names.

Each :class:`Stamp` has a name, the regex, and its shape as a reader would write it
(``YYYY-MM-DD hh:mm:ss[.f] [zone]``), which ``--explain`` shows. The list is ordered: when
two renderings start as many lines, layout detection keeps the earlier one, so the more
specific come first (a ``ctime`` date holds a ``bsd`` one; a bare time of day is in every
other rendering and comes last).
"""

from __future__ import annotations

from dataclasses import dataclass

from postmortem_kit.ingest.lines.timeparts import MONTH_RX
from postmortem_kit.ingest.times import ZONE


@dataclass(frozen=True)
class Stamp:
    """One timestamp rendering."""

    name: str
    rx: str  # with timeparts group names
    shape: str  # as a reader writes it, for --explain
    # False: only at the start of a line (or after a pid); a bare time of day occurs in
    # too many messages to be looked for anywhere
    anywhere: bool = True
    # with ``anywhere`` False: what may stand before it instead of a pid (a regex from ^)
    lead: str = ""


_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?"
_MON = r"(?P<b>" + MONTH_RX + r")[a-z]*"
_FRAC = r"(?:[.,](?P<f>\d{1,9}))?"
_AMPM = r"(?:\s?(?P<p>[AaPp][Mm])\b)?"  # a 12-hour clock
_HMS = r"(?P<H>\d?\d):(?P<M>\d\d):(?P<S>\d\d)" + _FRAC + _AMPM
_ZONE = r"(?:\s?(?P<z>" + ZONE + r"))?"
_HMS_SHAPE = "hh:mm:ss[.f][ AM|PM]"

STAMPS: tuple[Stamp, ...] = (
    Stamp("iso8601", r"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)[T ]" + _HMS + _ZONE,
          "YYYY-MM-DD[T ]" + _HMS_SHAPE + "[zone]"),
    Stamp("iso-ordinal", r"(?P<Y>\d{4})-(?P<j>\d{3})T" + _HMS + _ZONE,
          "YYYY-DDDT" + _HMS_SHAPE + "[zone]"),
    Stamp("db2", r"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)-(?P<H>\d\d)\.(?P<M>\d\d)\.(?P<S>\d\d)"
          + _FRAC, "YYYY-MM-DD-hh.mm.ss[.f]"),
    Stamp("ymd-slash", r"(?P<Y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d)[ T-]" + _HMS + _ZONE,
          "YYYY/MM/DD " + _HMS_SHAPE + "[zone]"),
    Stamp("ymd-dot", r"(?P<Y>\d{4})\.(?P<m>\d\d)\.(?P<d>\d\d)[ T-]" + _HMS + _ZONE,
          "YYYY.MM.DD " + _HMS_SHAPE + "[zone]"),
    Stamp("ctime", _DAY + r" " + _MON + r" +(?P<d>\d\d?) " + _HMS + r"(?: (?P<z>" + ZONE
          + r"))? (?P<Y>\d{4})", "Www Mmm DD " + _HMS_SHAPE + " [zone ]YYYY"),
    Stamp("mon-dd-yyyy", r"(?:" + _DAY + r" )?" + _MON + r" (?P<d>\d\d?),? (?P<Y>\d{4})"
          r"(?: @|,)? " + _HMS + _ZONE, "Mmm DD[,] YYYY[ @|,] " + _HMS_SHAPE + "[zone]"),
    Stamp("clf", r"(?P<d>\d\d)/" + _MON + r"/(?P<Y>\d{4}):" + _HMS + _ZONE,
          "DD/Mmm/YYYY:" + _HMS_SHAPE + "[zone]"),
    Stamp("dd-mon-yyyy", r"(?:" + _DAY + r" )?(?P<d>\d\d?)[- ]" + _MON
          + r"[- ](?P<Y>\d{4})[ :T]" + _HMS + _ZONE,
          "DD[- ]Mmm[- ]YYYY " + _HMS_SHAPE + "[zone]"),
    Stamp("yy/mm/dd", r"(?P<y>\d\d)/(?P<m>\d\d)/(?P<d>\d\d) " + _HMS,
          "YY/MM/DD " + _HMS_SHAPE),
    Stamp("mm/dd/yyyy", r"(?P<m>\d\d?)/(?P<d>\d\d?)/(?P<Y>\d{4})[ ,]+" + _HMS + _ZONE,
          "MM/DD/YYYY " + _HMS_SHAPE + "[zone]"),
    Stamp("dd.mm.yyyy", r"(?P<d>\d\d)\.(?P<m>\d\d)\.(?P<Y>\d{4})[ T]" + _HMS + _ZONE,
          "DD.MM.YYYY " + _HMS_SHAPE + "[zone]"),
    Stamp("compact", r"(?P<Y>\d{4})(?P<m>\d\d)(?P<d>\d\d)[ T-]?(?P<H>\d\d):?(?P<M>\d\d):?"
          r"(?P<S>\d\d)(?:[.,:](?P<f>\d{1,9}))?" + _ZONE, "YYYYMMDD[ T-]hh[:]mm[:]ss[.f][zone]"),
    Stamp("yymmdd", r"(?P<y>\d\d)(?P<m>\d\d)(?P<d>\d\d) (?P<H>\d\d)(?P<M>\d\d)(?P<S>\d\d)",
          "YYMMDD hhmmss"),
    Stamp("bsd", _MON + r" +(?P<d>\d\d?) " + _HMS + r"(?: (?P<Y>\d{4}))?",
          "Mmm DD " + _HMS_SHAPE + "[ YYYY]"),
    Stamp("mm-dd", r"(?P<m>\d\d)-(?P<d>\d\d) " + _HMS, "MM-DD " + _HMS_SHAPE),
    Stamp("mm.dd", r"(?P<m>\d\d)\.(?P<d>\d\d) " + _HMS, "MM.DD " + _HMS_SHAPE),
    Stamp("mmdd", r"(?P<m>\d\d)(?P<d>\d\d) " + _HMS, "MMDD " + _HMS_SHAPE),
    Stamp("tai64n", r"@(?P<tai>4000000[0-9a-fA-F]{17})", "@TAI64N"),
    Stamp("epoch-ns", r"(?P<ens>1\d{18})", "epoch nanoseconds"),
    Stamp("epoch-us", r"(?P<eus>1\d{15})", "epoch microseconds"),
    Stamp("epoch-ms", r"(?P<ems>1\d{12})", "epoch milliseconds"),
    Stamp("epoch", r"(?P<es>1\d{9}(?:\.\d{1,9})?)", "epoch seconds[.f]"),
    Stamp("time", r"(?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)" + _FRAC + _AMPM,
          _HMS_SHAPE + " (no date)", anywhere=False),
    # minutes and seconds, with the fraction that tells them from hh:mm (TCF's trace log)
    Stamp("minutes", r"(?P<M>[0-5]\d):(?P<S>[0-5]\d)[.,](?P<f>\d{1,9})",
          "mm:ss.f (no hour, no date)", anywhere=False,
          lead=r"^(?:\d+\s+|[A-Za-z][\w.\-]*\s+)?"),
)
# Renderings without a date: a ``pattern=``'s values are never taken for them.
DATELESS = ("time", "minutes")

BY_NAME = {s.name: s for s in STAMPS}

# The optional pieces of the renderings, each with what it may become in a file that
# never (or always) uses it: see :func:`narrowings`.
OPTIONAL_PIECES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (_AMPM, ("",)),
    (_ZONE, ("",)),
    (r"(?: (?P<z>" + ZONE + r"))?", ("",)),
    (_FRAC, ("", r"\.(?P<f>\d{1,9})", r",(?P<f>\d{1,9})")),
    (r"(?P<H>\d?\d)", (r"(?P<H>\d\d)",)),
)


def narrowings(rx: str) -> list[tuple[str, str]]:
    """``(piece, replacement)`` pairs that make ``rx`` narrower, one optional piece at a
    time, for a file whose sample shows which variant it writes: a regex without
    optional parts extracts much faster (the Rust engine then runs it in one pass)."""
    return [(piece, r) for piece, options in OPTIONAL_PIECES if piece in rx for r in options]
