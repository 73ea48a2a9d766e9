"""The line-oriented pipeline (``access``, ``syslog``, ``text``): a file as blocks of lines
in Arrow/polars columns (:mod:`.columns`), matched against a format's regexes
(:mod:`.match`), assembled into the events frame block by block (:mod:`.events`); text
logs detect their layout (:mod:`.layout`), and times captured in parts are assembled by
:mod:`.timeparts`."""
