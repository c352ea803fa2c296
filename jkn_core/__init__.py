"""jkn_core: the brain of the JKN decision dashboard (no streamlit here)."""

__version__ = "0.1.0"
