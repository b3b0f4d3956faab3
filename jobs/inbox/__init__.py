"""Inbox files from enterprises and the park office (output value, green power, certificates,
allowances, demand-response events), validated whole into the landing zone.

`schemas` is the landing contract the warehouse reads; `load.load_inbox` is the entry point.
"""
