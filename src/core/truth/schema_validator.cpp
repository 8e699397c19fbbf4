#include "core/truth/schema_validator.hpp"

#include <algorithm>
#include <stdexcept>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "core/error.hpp"
#include "core/truth/json_file.hpp"

namespace ms::core::truth {
namespace {

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// valijson names a member "[name]" and an element "[3]"; which one it is depends on the document.
std::string context_to_pointer(const nlohmann::json& doc, const std::vector<std::string>& context) {
  std::string pointer;
  const nlohmann::json* node = &doc;
  for (std::size_t i = 1; i < context.size(); ++i) {  // [0] is "<root>"
    std::string token = context[i];
    if (token.size() >= 2 && token.front() == '[' && token.back() == ']') token = token.substr(1, token.size() - 2);
    pointer = pointer_append(pointer, token);
    if (node == nullptr) continue;
    if (node->is_array()) {
      std::size_t index = 0;
      try {
        index = static_cast<std::size_t>(std::stoul(token));
      } catch (const std::exception&) {
        node = nullptr;
        continue;
      }
      node = index < node->size() ? &(*node)[index] : nullptr;
    } else if (node->is_object()) {
      auto it = node->find(token);
      node = it == node->end() ? nullptr : &*it;
    } else {
      node = nullptr;
    }
  }
  return pointer;
}

// Text between the first pair of single quotes, e.g. the member name in "Missing required property 'x'."
std::string quoted(const std::string& s) {
  auto a = s.find('\'');
  if (a == std::string::npos) return {};
  auto b = s.find('\'', a + 1);
  if (b == std::string::npos) return {};
  return s.substr(a + 1, b - a - 1);
}

std::string last_quoted(const std::string& s) {
  auto b = s.rfind('\'');
  if (b == std::string::npos || b == 0) return {};
  auto a = s.rfind('\'', b - 1);
  if (a == std::string::npos) return {};
  return s.substr(a + 1, b - a - 1);
}

// Errors valijson adds on the way back up ("item #3 failed", "property 'meta' failed"): they only
// repeat what a deeper error already says.
bool is_wrapper(const std::string& d) {
  return starts_with(d, "Failed to validate against schema associated with property name") ||
         starts_with(d, "Failed to validate item #") ||
         starts_with(d, "Failed to validate against additional properties schema") ||
         starts_with(d, "Failed to validate against schema associated with pattern") ||
         starts_with(d, "Failed to validate against any schemas allowed by anyOf") ||
         starts_with(d, "Failed to validate against any child schemas allowed by oneOf") ||
         starts_with(d, "Failed to validate against a conditional schema") ||
         starts_with(d, "Failed to validate against dependent schema");
}

std::string type_name(const nlohmann::json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  return v.type_name();
}

std::string short_value(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

Issue to_issue(const nlohmann::json& doc, const valijson::ValidationResults::Error& error,
               const std::string& file) {
  const std::string& d = error.description;
  std::string pointer = context_to_pointer(doc, error.context);
  const nlohmann::json* value = find_pointer(doc, pointer);
  auto with_value = [&](std::string message) {
    if (value != nullptr) message += " (got " + type_name(*value) + " " + short_value(*value) + ")";
    return message;
  };

  if (starts_with(d, "Missing required property")) {
    std::string member = quoted(d);
    return {file, pointer_append(pointer, member), "schema.required", "required member '" + member + "' is missing"};
  }
  if (starts_with(d, "Object contains a property that could not be validated")) {
    std::string member = last_quoted(d);
    return {file, pointer_append(pointer, member), "schema.additional_property",
            "unexpected member '" + member + "' (not allowed here, or its name has the wrong form)"};
  }
  if (starts_with(d, "Value type not permitted")) return {file, pointer, "schema.type", with_value("wrong type")};
  if (starts_with(d, "Failed to match against any enum values"))
    return {file, pointer, "schema.enum", with_value("value is not one of the allowed values")};
  if (starts_with(d, "Failed to match regex")) return {file, pointer, "schema.pattern", with_value("value has the wrong form")};
  if (starts_with(d, "Expected number greater than")) return {file, pointer, "schema.minimum", with_value(d)};
  if (starts_with(d, "Expected number less than")) return {file, pointer, "schema.maximum", with_value(d)};
  if (starts_with(d, "Array should contain no fewer")) return {file, pointer, "schema.min_items", d};
  if (starts_with(d, "Array should contain no more")) return {file, pointer, "schema.max_items", d};
  if (starts_with(d, "String should be no fewer")) return {file, pointer, "schema.min_length", with_value(d)};
  if (starts_with(d, "String should be no more")) return {file, pointer, "schema.max_length", d};
  if (starts_with(d, "Object should have no fewer")) return {file, pointer, "schema.min_properties", d};
  if (starts_with(d, "Object should have no more")) return {file, pointer, "schema.max_properties", d};
  if (d.find("uniqueness") != std::string::npos) return {file, pointer, "schema.unique_items", d};
  if (d.find("'const'") != std::string::npos) return {file, pointer, "schema.const", with_value(d)};
  return {file, pointer, "schema", d};
}

bool is_prefix_of(const std::vector<std::string>& prefix, const std::vector<std::string>& context) {
  return prefix.size() <= context.size() && std::equal(prefix.begin(), prefix.end(), context.begin());
}

}  // namespace

struct SchemaValidator::Impl {
  valijson::Schema schema;
};

SchemaValidator::SchemaValidator(const nlohmann::json& schema_doc) : impl_(std::make_unique<Impl>()) {
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(schema_doc);
    parser.populateSchema(adapter, impl_->schema);
  } catch (const std::exception& e) {
    throw core::Error("truth_schema_invalid", std::string("JSON schema not usable: ") + e.what());
  }
}

SchemaValidator::~SchemaValidator() = default;
SchemaValidator::SchemaValidator(SchemaValidator&&) noexcept = default;
SchemaValidator& SchemaValidator::operator=(SchemaValidator&&) noexcept = default;

Issues SchemaValidator::validate(const nlohmann::json& doc, const std::string& file) const {
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(doc);
  if (validator.validate(impl_->schema, adapter, &results)) return {};

  std::vector<valijson::ValidationResults::Error> errors(results.begin(), results.end());
  Issues issues;
  for (const auto& error : errors) {
    if (is_wrapper(error.description)) {
      // Keep a wrapper only when nothing more specific was said about that place (valijson is
      // silent on some constraints, e.g. propertyNames).
      bool covered = std::any_of(errors.begin(), errors.end(), [&](const auto& other) {
        return &other != &error && !is_wrapper(other.description) && is_prefix_of(error.context, other.context);
      });
      if (covered) continue;
    }
    Issue issue = to_issue(doc, error, file);
    bool duplicate = std::any_of(issues.begin(), issues.end(), [&](const Issue& i) {
      return i.pointer == issue.pointer && i.rule == issue.rule;
    });
    if (!duplicate) issues.push_back(std::move(issue));
  }
  return issues;
}

}  // namespace ms::core::truth
