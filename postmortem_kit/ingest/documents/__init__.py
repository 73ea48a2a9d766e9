"""The JSON-documents pipeline (``alertmanager``, ``pagerduty``, ``slack``, ``k8s-events``,
``deploys``): a file as JSON documents (:mod:`.read`), each document's items taken as rows
or rejected (:mod:`.items`); the CSV exports some of these services also write are read
row by row the same way (:mod:`.csv_exports`)."""
