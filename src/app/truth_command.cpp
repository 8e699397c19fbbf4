// `marketswarm truth build | check-node | check-component | load | show` (spec truth.md §5, §6, §10):
// validate the truth files, write the composite, put it into system-redis. `load` only ever SETs
// the one key; it never flushes anything.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "app/commands.hpp"
#include "bus/blocking_redis.hpp"
#include "bus/redis_url.hpp"
#include "core/env.hpp"
#include "core/error.hpp"
#include "core/truth/builder.hpp"
#include "core/truth/truth.hpp"

namespace ms::app {
namespace {

namespace fs = std::filesystem;
using core::truth::Issues;

struct TruthOptions {
  std::string dir;  // empty: core::truth::find_truth_dir()
  std::string out = "truth.json";
  std::string file;
  std::string name;
  std::string url;
  std::string key;
};

fs::path truth_dir(const TruthOptions& o) {
  if (!o.dir.empty()) return o.dir;
  if (auto found = core::truth::find_truth_dir()) return *found;
  std::cerr << "truth: no truth directory found (looked at $MS_TRUTH_DIR, ./truth and above the binary); "
               "pass --dir\n";
  throw CommandExit{2};
}

// Prints every issue; ends the command with exit code 1 when there is any.
void report(const Issues& issues, const std::string& what) {
  for (const auto& issue : issues) std::cerr << issue.to_string() << "\n";
  if (!issues.empty()) {
    std::cerr << "truth: " << what << " failed: " << issues.size() << " problem(s)\n";
    throw CommandExit{1};
  }
}

nlohmann::ordered_json build_or_exit(const TruthOptions& o) {
  auto result = core::truth::build(truth_dir(o));
  report(result.issues, "build");
  return std::move(result.composite);
}

void write_file(const fs::path& path, const std::string& text) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    out << text;
    if (!out.flush()) {
      std::cerr << "truth: cannot write " << tmp.string() << "\n";
      throw CommandExit{1};
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    std::cerr << "truth: cannot write " << path.string() << ": " << ec.message() << "\n";
    throw CommandExit{1};
  }
}

void run_build(const TruthOptions& o) {
  auto composite = build_or_exit(o);
  const std::string text = composite.dump(2) + "\n";
  if (o.out == "-") {
    std::cout << text;
    return;
  }
  write_file(o.out, text);
  std::cout << "truth: wrote composite truth to " << o.out << " (" << composite["components"].size()
            << " components, sha256 " << composite["sha256"].get<std::string>() << ")\n";
}

void run_check_node(const TruthOptions& o) {
  const fs::path schema_dir = truth_dir(o) / "schema";
  report(core::truth::check_node_file(o.file, schema_dir), "check-node");
  std::cout << "truth: " << o.file << ": valid node definition\n";
}

void run_check_component(const TruthOptions& o) {
  if (o.name.empty() == o.file.empty()) {
    std::cerr << "truth check-component: give exactly one of --name N or --file F\n";
    throw CommandExit{2};
  }
  const fs::path dir = truth_dir(o);
  const fs::path file = o.file.empty() ? dir / "components" / (o.name + ".json") : fs::path(o.file);
  if (!o.name.empty() && o.name.find_first_of("/\\.") != std::string::npos) {
    std::cerr << "truth check-component: --name takes a component id such as sse, not a path (use --file)\n";
    throw CommandExit{2};
  }
  report(core::truth::check_component_file(file, dir / "schema"), "check-component");
  std::cout << "truth: " << file.string() << ": valid component definition\n";
}

// The composite to load: a built file (its checksum must still match) or a fresh build.
std::string composite_text(const TruthOptions& o) {
  if (o.file.empty()) return build_or_exit(o).dump();
  std::ifstream in(o.file, std::ios::binary);
  if (!in) {
    std::cerr << "truth: cannot read " << o.file << "\n";
    throw CommandExit{1};
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(buffer.str());
    core::Truth::from_json(doc);  // the members services rely on
  } catch (const std::exception& e) {
    std::cerr << "truth: " << o.file << " is not a composite truth: " << e.what() << "\n";
    throw CommandExit{1};
  }
  const std::string sha = core::truth::composite_sha256(doc);
  if (doc.contains("sha256") && doc["sha256"] != sha) {
    std::cerr << "truth: " << o.file << ": sha256 does not match its content (edited after `truth build`?); "
              << "rebuild it\n";
    throw CommandExit{1};
  }
  doc["sha256"] = sha;
  return doc.dump();
}

void run_load(const TruthOptions& o) {
  const std::string text = composite_text(o);
  const auto truth = core::Truth::from_string(text);
  std::string url = o.url;
  if (url.empty()) url = core::env_or("TRUTH_REDIS_URL", "");
  if (url.empty()) url = truth.bus_url("system-redis");
  std::string key = o.key;
  if (key.empty()) key = core::env_or("TRUTH_REDIS_KEY", "truth");
  const std::string where = bus::redact_url(url);
  try {
    bus::BlockingRedis redis(url);
    auto set = redis.command({"SET", key, text});
    if (set.is_error()) {
      std::cerr << "truth: SET " << key << " on " << where << " failed: " << set.str << "\n";
      throw CommandExit{1};
    }
    auto get = redis.command({"GET", key});
    if (get.is_error() || get.as_optional_string() != text) {
      std::cerr << "truth: " << key << " on " << where << " does not read back as written\n";
      throw CommandExit{1};
    }
  } catch (const core::Error& e) {
    std::cerr << "truth: cannot load into " << where << ": " << e.what() << "\n";
    throw CommandExit{1};
  }
  std::cout << "truth: loaded key '" << key << "' on " << where << " (" << text.size() << " bytes, sha256 "
            << truth.sha256() << ")\n";
}

void run_show(const TruthOptions& o) { std::cout << build_or_exit(o).dump(2) << "\n"; }

void add_dir_option(CLI::App* cmd, const std::shared_ptr<TruthOptions>& o) {
  cmd->add_option("--dir,-d", o->dir, "Truth directory (default: $MS_TRUTH_DIR, ./truth, or next to the binary)");
}

}  // namespace

void add_truth_commands(CLI::App& root) {
  auto o = std::make_shared<TruthOptions>();
  auto* truth = root.add_subcommand("truth", "Validate, build and load the truth configuration");
  truth->require_subcommand(1);

  auto* build = truth->add_subcommand("build", "Validate truth/ and write the composite truth.json");
  add_dir_option(build, o);
  build->add_option("--out,-o", o->out, "Output file, '-' for stdout")->capture_default_str();
  build->callback([o] { run_build(*o); });

  auto* check_node = truth->add_subcommand("check-node", "Validate one node file (schema and formats only)");
  add_dir_option(check_node, o);
  check_node->add_option("--file,-f", o->file, "Node file")->required();
  check_node->callback([o] { run_check_node(*o); });

  auto* check_component =
      truth->add_subcommand("check-component", "Validate one component file (schema and formats only)");
  add_dir_option(check_component, o);
  auto* by_name = check_component->add_option("--name,-n", o->name, "Component id: <dir>/components/<id>.json");
  auto* by_file = check_component->add_option("--file,-f", o->file, "Component file");
  by_name->excludes(by_file);
  check_component->callback([o] { run_check_component(*o); });

  auto* load = truth->add_subcommand("load", "SET the composite truth on system-redis (never flushes)");
  add_dir_option(load, o);
  load->add_option("--file,-f", o->file, "A composite built by `truth build` (default: build now)");
  load->add_option("--url", o->url,
                   "Redis URL (default: $TRUTH_REDIS_URL, else the system-redis bus, honouring "
                   "MS_BUS_SYSTEM_REDIS_URL)");
  load->add_option("--key", o->key, "Key (default: $TRUTH_REDIS_KEY, else truth)");
  load->callback([o] { run_load(*o); });

  auto* show = truth->add_subcommand("show", "Build and print the composite truth");
  add_dir_option(show, o);
  show->callback([o] { run_show(*o); });
}

}  // namespace ms::app
