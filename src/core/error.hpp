#pragma once
// One error type for the libraries: a stable snake_case code (what callers and tests match on)
// plus a human message (what operators read).
#include <stdexcept>
#include <string>

namespace ms::core {

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

}  // namespace ms::core
