#pragma once
// The baseline the heatmap benchmarks are measured against: the original's approach in C++
// (massive spec §5.1/§5.2) — every build re-prices every leg of every tile, keeps tiles as a
// std::map<string, json>, diffs by deep comparison of the two maps and dumps the whole model.
// Same Black-Scholes and skew code as the real builder, so the ratio shows the structure's
// cost, not a different formula.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "quant/heatmap_types.hpp"

namespace ms::bench {

using NaiveTiles = std::map<std::string, nlohmann::json>;

NaiveTiles naive_build(const quant::HeatmapInput& input, const std::vector<int>& widths);

struct NaiveDiff {
  nlohmann::json changed = nlohmann::json::object();
  std::vector<std::string> removed;
};
NaiveDiff naive_diff(const NaiveTiles& before, const NaiveTiles& after);

std::string naive_model_text(const std::string& symbol, const NaiveTiles& tiles);
std::string naive_diff_text(const std::string& symbol, const NaiveDiff& diff);

}  // namespace ms::bench
