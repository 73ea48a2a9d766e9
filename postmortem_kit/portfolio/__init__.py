"""Many postmortems at once: one table of incidents and an offline page of trends.

:func:`read_postmortems` reads every postmortem under a folder (``postmortem.json`` or
Markdown in any layout the importer knows) into one row per incident; :func:`write_portfolio`
writes the page ``postmortem portfolio`` makes of them.
"""

from postmortem_kit.portfolio.page import render_portfolio, write_portfolio
from postmortem_kit.portfolio.read import Portfolio, collect, read_postmortems

__all__ = ["Portfolio", "collect", "read_postmortems", "render_portfolio", "write_portfolio"]
