"""`python -m engine`: verbs fill, simulate, evaluate, info. Errors become one line + exit 2."""
