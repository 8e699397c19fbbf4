#include "testing/source_tree.hpp"

#include <stdexcept>

namespace ms::testing {

std::filesystem::path source_truth_dir() {
  auto dir = std::filesystem::read_symlink("/proc/self/exe").parent_path();
  while (!dir.empty() && dir != dir.root_path()) {
    if (std::filesystem::exists(dir / "truth" / "node.json")) return dir / "truth";
    dir = dir.parent_path();
  }
  throw std::runtime_error("truth/ not found above the test binary");
}

}  // namespace ms::testing
