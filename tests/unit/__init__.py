"""Tests with no database."""
