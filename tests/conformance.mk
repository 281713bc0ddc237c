# (filled in by the tests that live here)
