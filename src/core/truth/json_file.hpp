#pragma once
// Reading one truth JSON file: every failure becomes an Issue naming the file, never an exception.
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/truth/issue.hpp"

namespace ms::core::truth {

struct JsonFile {
  std::string display;  // the name issues use for this file
  std::string text;     // the bytes as read (kept so the composite can preserve key order)
  nlohmann::json doc;
};

// Reads and parses `path`. A missing or unreadable file ("file.missing", "file.unreadable"), a
// syntax error ("json.parse") or a key repeated inside one object ("json.duplicate_key") adds an
// issue; only the duplicate key still returns the document.
std::optional<JsonFile> load_json_file(const std::filesystem::path& path, const std::string& display,
                                       Issues& issues);

// Parses text the same way (used for documents that did not come from a file).
std::optional<nlohmann::json> parse_json_text(const std::string& text, const std::string& display,
                                              Issues& issues);

// The value at `pointer`, or nullptr when the document has nothing there.
const nlohmann::json* find_pointer(const nlohmann::json& doc, const std::string& pointer);

}  // namespace ms::core::truth
