"""Monthly scorecards for each enterprise and for the park, rendered as HTML email and PDF
(Chinese by default, English per recipient) and sent over SMTP with a send log."""
