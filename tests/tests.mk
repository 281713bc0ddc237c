# Tests: unit tests of the core, a mock backend, conformance and real clients.
