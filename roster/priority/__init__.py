"""The priority queue for making individual evacuation plans (個別避難計画, issue 6).

scoring.py holds the score as a pure function, the reference; queries.py computes the same
score in SQL; stored.py keeps each person's score in a column and coverage in counters,
refreshed in the transaction of every change, so the queue is an index walk; views.py and
forms.py are the pages; demo.py gives the demo municipality some assignments.
"""
