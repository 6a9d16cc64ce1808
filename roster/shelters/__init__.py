"""The shelter registry: designated places, what each suits, whom it takes, and its import.

views.py (pages and the /api/v1/shelters API), forms.py, operations.py (queries, edits,
JSON), importing.py (plan and apply an import of geo.shelters' formats), cli.py
(`roster import-shelters`), uploads.py (a web upload between its preview and its apply),
demo.py (welfare-shelter details for the demo municipality).
"""
