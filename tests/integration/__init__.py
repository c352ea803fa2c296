"""Tests on real databases: SQLite files and a throwaway PostgreSQL server."""
