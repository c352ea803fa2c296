"""Page tests with Streamlit AppTest (no browser)."""
