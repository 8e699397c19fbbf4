#pragma once
// Secrets come from the environment first, then from a KEY=VALUE file named by MS_SECRETS_FILE
// (var/secrets.env under `up`), never from truth or the repository. A component may read only the
// names its truth secrets[] lists. Values are never logged or put into error messages.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ms::core {

class Secrets {
 public:
  // `component` names the reader in errors; `allowed` is its secrets[] from truth. `file`, when
  // given, is read now: a missing file → Error("secrets_file_missing"), any group or other
  // permission bit → Error("secrets_file_permissions"), a bad line → Error("secrets_file_syntax").
  Secrets(std::string component, std::vector<std::string> allowed,
          std::optional<std::filesystem::path> file = std::nullopt);

  // The same with the file named by MS_SECRETS_FILE (none when unset or empty).
  static Secrets for_component(std::string component, std::vector<std::string> allowed);

  // Environment (a non-empty value), then the file. A name outside `allowed` →
  // Error("secret_not_declared").
  std::optional<std::string> get(std::string_view name) const;
  // As get(), but a missing value → Error("missing_secret") naming the variable and where it looked.
  std::string require(std::string_view name) const;

  const std::optional<std::filesystem::path>& file() const noexcept { return file_; }

 private:
  void check_allowed(std::string_view name) const;

  std::string component_;
  std::vector<std::string> allowed_;
  std::optional<std::filesystem::path> file_;
  std::map<std::string, std::string, std::less<>> file_values_;
};

// KEY=VALUE lines; '#' comments and blank lines ignored; spaces around KEY and '=' trimmed; one pair
// of matching surrounding quotes removed from VALUE; nothing expanded. Checks permissions as above.
std::map<std::string, std::string, std::less<>> read_secrets_file(const std::filesystem::path& path);

// The secrets `marketswarm up` needs on a developer machine.
std::vector<std::string> dev_secret_names();  // APP_SESSION_SECRET, SSO_0DTE_SECRET, INTERNAL_SERVICE_TOKEN

// Creates `path` (mode 0600, parent directories as needed) or adds to it each of `names` that it
// does not hold yet, as 64 random hex digits from /dev/urandom. Existing values are never changed.
// Returns the names added. Refuses a file with group or other permissions, like read_secrets_file.
std::vector<std::string> generate_dev_secrets(const std::filesystem::path& path,
                                              const std::vector<std::string>& names = dev_secret_names());

}  // namespace ms::core
