#pragma once
// The repository's truth/ directory, found upwards from the running test binary
// (build/<tree>/src/<lib>/<lib>_tests), so tests use the truth that ships.
#include <filesystem>

namespace ms::testing {

// Throws std::runtime_error when no truth/node.json is found above the binary.
std::filesystem::path source_truth_dir();

}  // namespace ms::testing
