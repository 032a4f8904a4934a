"""Django database backend: PostgreSQL with credentials from Secrets Manager (see base.py)."""
