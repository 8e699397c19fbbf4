#include "core/market_source.hpp"

#include <algorithm>

#include "core/secrets.hpp"

namespace ms::core {

std::string resolve_market_source(const Truth& truth) {
  const std::string source = truth.market_source();
  if (source != "auto") return source;
  std::vector<std::string> allowed;
  if (truth.has_component("massive")) allowed = truth.secret_names("massive");
  if (std::find(allowed.begin(), allowed.end(), "MASSIVE_API_KEY") == allowed.end()) return "sim";
  const auto key = Secrets::for_component("massive", allowed).get("MASSIVE_API_KEY");
  return key && !key->empty() ? "live" : "sim";
}

}  // namespace ms::core
