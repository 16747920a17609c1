"""The manual path: the files a person imports through Twenty's UI, one by one.

`export.py` writes every object as the UI's newest "Export view" does; `prepare.py` turns a folder
of exports into import-ready files (member e-mail columns, dependency order, parts under the
import cap, a README.txt and changes.csv). See README, "Following Twenty's guide by hand".
"""
