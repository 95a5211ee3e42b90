"""The request log: one row per request to the gateway, written in the background.

    record.py   RequestRecord, filled in while a request runs; its row's columns
    writer.py   RequestLogWriter: bounded buffer -> batches -> database, spill on outage
    spill.py    SpillFile: JSON lines under DATA_DIR, replayed when the database returns
    queries.py  reads for GET /v1/requests
"""
