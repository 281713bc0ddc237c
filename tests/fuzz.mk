# libFuzzer targets (issue 9), filled in as they land.
