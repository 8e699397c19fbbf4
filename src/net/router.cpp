#include "net/router.hpp"

#include <algorithm>
#include <set>

#include "net/url.hpp"

namespace ms::net {

namespace {

bool valid_param_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return out;
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::vector<Route::Segment> parse_pattern(const std::string& pattern) {
  auto fail = [&](const std::string& why) {
    return core::Error("invalid_route_pattern", "route pattern '" + pattern + "': " + why);
  };
  if (pattern.empty() || pattern.front() != '/') throw fail("must start with '/'");
  std::vector<Route::Segment> segments;
  std::set<std::string> names;
  const auto parts = split_path(pattern);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string_view p = parts[i];
    Route::Segment seg;
    if (p.size() >= 2 && p.front() == '{' && p.back() == '}') {
      std::string_view name = p.substr(1, p.size() - 2);
      if (!name.empty() && name.front() == '*') {
        name.remove_prefix(1);
        if (i + 1 != parts.size()) throw fail("a wildcard {*" + std::string(name) + "} must be the last segment");
        seg.kind = Route::Segment::Kind::wildcard;
      } else {
        seg.kind = Route::Segment::Kind::param;
      }
      if (!valid_param_name(name)) throw fail("bad parameter name '" + std::string(name) + "'");
      seg.text = std::string(name);
    } else if (!p.empty() && p.front() == ':') {
      const std::string_view name = p.substr(1);
      if (!valid_param_name(name)) throw fail("bad parameter name '" + std::string(name) + "'");
      seg.kind = Route::Segment::Kind::param;
      seg.text = std::string(name);
    } else {
      if (p.empty()) throw fail("empty segment");
      if (p.find_first_of("{}") != std::string_view::npos) throw fail("unbalanced '{' or '}' in '" + std::string(p) + "'");
      seg.kind = Route::Segment::Kind::literal;
      seg.text = std::string(p);
    }
    if (seg.kind != Route::Segment::Kind::literal && !names.insert(seg.text).second)
      throw fail("parameter '" + seg.text + "' appears twice");
    segments.push_back(std::move(seg));
  }
  return segments;
}

// Specificity per pattern segment: literal 2, parameter 1, wildcard 0; compared
// lexicographically so the first differing segment decides.
std::vector<int> specificity(const Route& r) {
  std::vector<int> s;
  for (const auto& seg : r.segments)
    s.push_back(seg.kind == Route::Segment::Kind::literal ? 2 : seg.kind == Route::Segment::Kind::param ? 1 : 0);
  return s;
}

bool match_segments(const Route& r, const std::vector<std::string>& decoded,
                    std::map<std::string, std::string>& params) {
  std::size_t i = 0;
  for (const auto& seg : r.segments) {
    if (seg.kind == Route::Segment::Kind::wildcard) {
      std::string rest;
      for (std::size_t j = i; j < decoded.size(); ++j) {
        if (j > i) rest.push_back('/');
        rest += decoded[j];
      }
      params[seg.text] = std::move(rest);
      return true;
    }
    if (i >= decoded.size()) return false;
    if (seg.kind == Route::Segment::Kind::literal) {
      if (seg.text != decoded[i]) return false;
    } else {
      if (decoded[i].empty()) return false;
      params[seg.text] = decoded[i];
    }
    ++i;
  }
  return i == decoded.size();
}

}  // namespace

Router& Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  if (!handler) throw core::Error("invalid_route", "route " + method + " " + pattern + " has no handler");
  if (method.empty() || std::any_of(method.begin(), method.end(), [](char c) { return c < 'A' || c > 'Z'; }))
    throw core::Error("invalid_route", "route method '" + method + "' must be upper-case letters");
  auto route = std::make_unique<Route>();
  route->segments = parse_pattern(pattern);
  for (const auto& existing : routes_) {
    if (existing->method == method && existing->segments.size() == route->segments.size() &&
        std::equal(existing->segments.begin(), existing->segments.end(), route->segments.begin(),
                   [](const Route::Segment& a, const Route::Segment& b) {
                     // Parameter names do not make two patterns different routes.
                     return a.kind == b.kind && (a.kind != Route::Segment::Kind::literal || a.text == b.text);
                   }))
      throw core::Error("duplicate_route", "route " + method + " " + pattern + " duplicates " + existing->pattern);
  }
  route->method = std::move(method);
  route->pattern = std::move(pattern);
  route->handler = std::move(handler);
  route->options = options;
  routes_.push_back(std::move(route));
  return *this;
}

Router& Router::websocket(std::string pattern, WebSocketHandler handler) {
  if (!handler.on_message && !handler.on_open)
    throw core::Error("invalid_route", "websocket route " + pattern + " has neither on_open nor on_message");
  auto ws = std::make_shared<const WebSocketHandler>(std::move(handler));
  // The HTTP handler only runs for a GET without an upgrade: tell the client what it missed.
  add("GET", pattern, Handler([](Request& req) {
        return Response::error(426, "upgrade_required",
                               "GET " + req.path + " is a WebSocket endpoint; send Upgrade: websocket");
      }));
  routes_.back()->websocket = std::move(ws);
  return *this;
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  std::vector<std::string> decoded;
  for (std::string_view raw : split_path(path)) {
    auto d = percent_decode(raw);
    if (!d) {
      result.kind = RouteMatch::Kind::bad_path;
      result.error = "malformed percent-encoding in path segment '" + std::string(raw) + "'";
      return result;
    }
    decoded.push_back(std::move(*d));
  }

  std::set<std::string> allowed;
  const Route* best = nullptr;
  const Route* best_get = nullptr;  // HEAD falls back to GET when no HEAD route exists
  std::vector<int> best_score, best_get_score;
  std::map<std::string, std::string> best_params, best_get_params;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match_segments(*r, decoded, params)) continue;
    allowed.insert(r->method);
    if (r->method == "GET") allowed.insert("HEAD");
    const auto score = specificity(*r);
    if (r->method == method) {
      if (!best || score > best_score) {
        best = r.get();
        best_score = score;
        best_params = std::move(params);
      }
    } else if (method == "HEAD" && r->method == "GET") {
      if (!best_get || score > best_get_score) {
        best_get = r.get();
        best_get_score = score;
        best_get_params = std::move(params);
      }
    }
  }
  if (!best && best_get) {
    best = best_get;
    best_params = std::move(best_get_params);
  }
  if (allowed.empty()) {
    result.kind = RouteMatch::Kind::not_found;
    return result;
  }
  allowed.insert("OPTIONS");
  result.allowed_methods.assign(allowed.begin(), allowed.end());
  if (!best) {
    result.kind = RouteMatch::Kind::method_not_allowed;
    return result;
  }
  result.kind = RouteMatch::Kind::found;
  result.route = best;
  result.params = std::move(best_params);
  return result;
}

}  // namespace ms::net
