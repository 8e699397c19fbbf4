#include "core/metrics.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace ms::core {

void Gauge::add(double d) noexcept {
  double cur = v_.load(std::memory_order_relaxed);
  while (!v_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
  }
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::observe(double v) noexcept {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, Kind kind,
                                                 const std::string& help) {
  auto [it, inserted] = families_.try_emplace(name, Family{kind, help, {}, {}, {}});
  if (!inserted && it->second.kind != kind)
    throw Error("metric_kind_conflict", "metric " + name + " registered with two kinds");
  return it->second;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help, Labels labels) {
  std::lock_guard lk(mu_);
  auto& f = family(name, Kind::counter, help);
  auto& slot = f.counters[std::move(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help, Labels labels) {
  std::lock_guard lk(mu_);
  auto& f = family(name, Kind::gauge, help);
  auto& slot = f.gauges[std::move(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      std::vector<double> bounds, Labels labels) {
  std::lock_guard lk(mu_);
  auto& f = family(name, Kind::histogram, help);
  auto& slot = f.histograms[std::move(labels)];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string label_set(const std::string& service, const Labels& labels,
                      const std::string& extra_key = {}, const std::string& extra_val = {}) {
  std::string s = "{service=\"" + escape_label(service) + "\"";
  for (const auto& [k, v] : labels) s += "," + k + "=\"" + escape_label(v) + "\"";
  if (!extra_key.empty()) s += "," + extra_key + "=\"" + extra_val + "\"";
  return s + "}";
}

std::string num(double v) { return fmt::format("{}", v); }

}  // namespace

std::string MetricsRegistry::render() const {
  std::lock_guard lk(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    const std::string full = "marketswarm_" + name;
    const char* type = f.kind == Kind::counter ? "counter" : f.kind == Kind::gauge ? "gauge" : "histogram";
    out += "# HELP " + full + " " + f.help + "\n# TYPE " + full + " " + type + "\n";
    for (const auto& [labels, c] : f.counters)
      out += full + label_set(service_, labels) + " " + std::to_string(c->value()) + "\n";
    for (const auto& [labels, g] : f.gauges)
      out += full + label_set(service_, labels) + " " + num(g->value()) + "\n";
    for (const auto& [labels, h] : f.histograms) {
      std::uint64_t cum = 0;
      for (std::size_t i = 0; i < h->bounds().size(); ++i) {
        cum += h->bucket(i);
        out += full + "_bucket" + label_set(service_, labels, "le", num(h->bounds()[i])) + " " +
               std::to_string(cum) + "\n";
      }
      cum += h->bucket(h->bounds().size());
      out += full + "_bucket" + label_set(service_, labels, "le", "+Inf") + " " + std::to_string(cum) + "\n";
      out += full + "_sum" + label_set(service_, labels) + " " + num(h->sum()) + "\n";
      out += full + "_count" + label_set(service_, labels) + " " + std::to_string(h->count()) + "\n";
    }
  }
  return out;
}

std::vector<double> latency_buckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace ms::core
