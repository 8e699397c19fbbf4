#pragma once
// JSON-Schema (draft-07) validation with valijson, reported as truth Issues with JSON pointers.
// valijson ignores `format`; those checks are code (see checks.hpp).
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/truth/issue.hpp"

namespace ms::core::truth {

class SchemaValidator {
 public:
  // Throws core::Error("truth_schema_invalid") when valijson cannot use `schema`.
  explicit SchemaValidator(const nlohmann::json& schema);
  ~SchemaValidator();
  SchemaValidator(SchemaValidator&&) noexcept;
  SchemaValidator& operator=(SchemaValidator&&) noexcept;

  // Every violation, each as its most specific error: rule "schema.<constraint>" (e.g.
  // schema.required with the pointer of the missing member, schema.type, schema.enum,
  // schema.additional_property with the pointer of the unexpected member).
  Issues validate(const nlohmann::json& doc, const std::string& file) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ms::core::truth
