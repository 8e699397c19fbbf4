#pragma once
// Deterministic randomness for the simulator. Two kinds:
//  - Rng: a sequential stream (std::mt19937_64, whose output the C++ standard fixes bit for bit)
//    with our own uniform and normal transforms, because std::*_distribution results differ
//    between standard libraries.
//  - mix(): a counter-based hash (splitmix64 finaliser), so a decision about one contract at one
//    tick does not depend on how many other contracts exist or were asked about.
// Never seeded from std::random_device: the same --seed must replay the same market.
#include <cmath>
#include <cstdint>
#include <random>
#include <string_view>

namespace ms::sim {

constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

constexpr std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  return splitmix64(a ^ splitmix64(b + 0x632BE59BD9B4E019ULL));
}
constexpr std::uint64_t mix(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  return mix(mix(a, b), c);
}
constexpr std::uint64_t mix(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) {
  return mix(mix(mix(a, b), c), d);
}

// FNV-1a: a stable string hash (std::hash may differ between builds).
constexpr std::uint64_t stable_hash(std::string_view s) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return h;
}

// [0, 1) with 53 random bits.
constexpr double unit_from_bits(std::uint64_t bits) {
  return double(bits >> 11) * (1.0 / 9007199254740992.0);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t bits() { return engine_(); }
  double uniform() { return unit_from_bits(engine_()); }
  // Box-Muller, one normal per two uniforms and no cached spare, so the number of draws per call
  // is fixed and the stream position depends only on how many calls were made.
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]: log never sees 0
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace ms::sim
