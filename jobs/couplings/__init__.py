"""The circular-coupling map's Python side: suggested couplings (suggest.py) and the map's
flows as the park card and `park couplings` read them (read.py)."""
