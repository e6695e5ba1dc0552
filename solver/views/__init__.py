"""The answer for people: tables in the terminal (rich) and one HTML page
of charts (plotly), numbers written by their kind (numbers)."""
