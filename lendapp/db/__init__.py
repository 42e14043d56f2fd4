"""Database tables and the session factory."""
