// Shared test helpers (fakes, process launchers) live here.
