"""The priority queue for making individual evacuation plans (個別避難計画, issue 6).

scoring.py holds the score as a pure function, the reference; queries.py computes the same
score in SQL so a queue of 200,000 people sorts and pages in the database; views.py and
forms.py are the pages; demo.py gives the demo municipality some assignments.
"""
