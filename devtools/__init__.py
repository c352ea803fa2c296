"""Developer tools shared by the tests and the benchmarks (the throwaway PostgreSQL server)."""
