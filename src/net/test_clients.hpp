#pragma once
// Test support only (included by net's *_test.cpp): blocking POSIX-socket clients for HTTP,
// SSE and WebSocket, with deadlines everywhere, so server tests need neither Beast nor Asio.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "net/io_runtime.hpp"
#include "net/server.hpp"

namespace ms::net::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (ieq(k, name)) return v;
    return std::nullopt;
  }
  int header_count(std::string_view name) const {
    int n = 0;
    for (const auto& [k, v] : headers) n += ieq(k, name) ? 1 : 0;
    return n;
  }
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

// One TCP connection to 127.0.0.1:port.
class TestSocket {
 public:
  explicit TestSocket(std::uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error(std::string("connect failed: ") + std::strerror(errno));
    }
  }
  ~TestSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  TestSocket(const TestSocket&) = delete;
  TestSocket& operator=(const TestSocket&) = delete;

  int fd() const { return fd_; }

  // False when the peer has gone (EPIPE/ECONNRESET).
  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  // Reads what is available within `timeout` into the buffer. 0 on EOF, -1 on error/timeout
  // without data, else bytes read.
  long read_some(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r <= 0) return -1;
    char tmp[16384];
    const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n == 0) {
      eof_ = true;
      return 0;
    }
    if (n < 0) {
      eof_ = true;  // reset: as good as closed for a test
      return 0;
    }
    buffer_.append(tmp, static_cast<std::size_t>(n));
    return n;
  }

  // Reads until `pred(buffer)` holds; false on timeout or EOF first.
  template <class Pred>
  bool read_until(Pred pred, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!pred(buffer_)) {
      if (eof_) return false;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      read_some(left);
    }
    return true;
  }

  // True when the peer closes (EOF or reset) within `timeout`; data arriving meanwhile is kept.
  bool wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!eof_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      read_some(left);
    }
    return true;
  }

  // Parses one response (Content-Length, chunked, or until close) off the front of the buffer.
  std::optional<HttpResponse> read_response(std::chrono::milliseconds timeout = 5000ms, bool head_request = false) {
    const auto deadline = Clock::now() + timeout;
    auto left = [&] { return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()); };
    if (!read_until([](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; }, left()))
      return std::nullopt;
    const auto head_end = buffer_.find("\r\n\r\n");
    HttpResponse res;
    std::string_view head(buffer_.data(), head_end);
    const auto line_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    res.status = std::stoi(std::string(status_line.substr(9, 3)));
    std::string_view rest = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
    while (!rest.empty()) {
      const auto e = rest.find("\r\n");
      const std::string_view line = rest.substr(0, e);
      const auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string_view v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        res.headers.emplace_back(std::string(line.substr(0, colon)), std::string(v));
      }
      if (e == std::string_view::npos) break;
      rest.remove_prefix(e + 2);
    }
    buffer_.erase(0, head_end + 4);
    if (head_request || res.status == 204 || res.status == 304 || res.status < 200) return res;
    if (auto cl = res.header("Content-Length")) {
      const std::size_t n = std::stoul(*cl);
      if (!read_until([n](const std::string& b) { return b.size() >= n; }, left())) return std::nullopt;
      res.body = buffer_.substr(0, n);
      buffer_.erase(0, n);
    } else if (auto te = res.header("Transfer-Encoding"); te && ieq(*te, "chunked")) {
      for (;;) {
        if (!read_until([](const std::string& b) { return b.find("\r\n") != std::string::npos; }, left()))
          return std::nullopt;
        const auto e = buffer_.find("\r\n");
        const std::size_t n = std::stoul(buffer_.substr(0, e), nullptr, 16);
        if (!read_until([&](const std::string& b) { return b.size() >= e + 2 + n + 2; }, left())) return std::nullopt;
        res.body += buffer_.substr(e + 2, n);
        buffer_.erase(0, e + 2 + n + 2);
        if (n == 0) break;
      }
    } else {
      wait_closed(left());
      res.body = std::move(buffer_);
      buffer_.clear();
    }
    return res;
  }

  std::string& buffer() { return buffer_; }
  bool eof() const { return eof_; }

 private:
  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

inline std::string build_request(std::string_view method, std::string_view target, std::string_view body = {},
                                 const std::vector<std::pair<std::string, std::string>>& headers = {},
                                 bool keep_alive = false) {
  std::string r;
  r.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  bool has_ct = false;
  for (const auto& [k, v] : headers) {
    r.append(k).append(": ").append(v).append("\r\n");
    has_ct = has_ct || ieq(k, "Content-Type");
  }
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
    r.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  if (!keep_alive) r.append("Connection: close\r\n");
  r.append("\r\n").append(body);
  return r;
}

// One request on a fresh connection.
inline HttpResponse http_request(std::uint16_t port, std::string_view method, std::string_view target,
                                 std::string_view body = {},
                                 const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  TestSocket s(port);
  if (!s.send(build_request(method, target, body, headers))) throw std::runtime_error("send failed");
  auto r = s.read_response(5000ms, method == "HEAD");
  if (!r) throw std::runtime_error("no response to " + std::string(method) + " " + std::string(target));
  return *r;
}

inline HttpResponse get(std::uint16_t port, std::string_view target,
                        const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  return http_request(port, "GET", target, {}, headers);
}

inline HttpResponse post_json(std::uint16_t port, std::string_view target, std::string_view body) {
  return http_request(port, "POST", target, body, {{"Content-Type", "application/json"}});
}

// ---------------------------------------------------------------- SSE

struct SseMessage {
  std::optional<std::string> id;
  std::string event;
  std::string data;
  std::optional<long> retry;
  std::vector<std::string> comments;
  bool is_comment_only() const { return !id && event.empty() && data.empty() && !retry && !comments.empty(); }
};

// Reads an event stream: the head, then (de-chunked) messages separated by a blank line.
class SseClient {
 public:
  SseClient(std::uint16_t port, std::string_view target,
            const std::vector<std::pair<std::string, std::string>>& headers = {}, int rcvbuf = 0)
      : sock_(port, rcvbuf) {
    std::vector<std::pair<std::string, std::string>> h = headers;
    h.emplace_back("Accept", "text/event-stream");
    std::string req = build_request("GET", target, {}, h, true);
    if (!sock_.send(req)) throw std::runtime_error("send failed");
  }

  // Reads the response head. For non-200 answers the body is in `error_body`.
  std::optional<HttpResponse> open(std::chrono::milliseconds timeout = 5000ms) {
    if (!sock_.read_until([](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; }, timeout))
      return std::nullopt;
    auto& b = sock_.buffer();
    const auto head_end = b.find("\r\n\r\n");
    HttpResponse res;
    res.status = std::stoi(b.substr(9, 3));
    std::string_view rest(b.data(), head_end);
    rest.remove_prefix(std::min(rest.size(), rest.find("\r\n") + 2));
    while (!rest.empty()) {
      const auto e = rest.find("\r\n");
      const std::string_view line = rest.substr(0, e);
      const auto colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string_view v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        res.headers.emplace_back(std::string(line.substr(0, colon)), std::string(v));
      }
      if (e == std::string_view::npos) break;
      rest.remove_prefix(e + 2);
    }
    b.erase(0, head_end + 4);
    chunked_ = res.header("Transfer-Encoding").has_value();
    return res;
  }

  // The next message (event, retry line or comment), or nullopt on timeout/end.
  std::optional<SseMessage> next(std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      dechunk();
      const auto sep = decoded_.find("\n\n");
      if (sep != std::string::npos) {
        std::string block = decoded_.substr(0, sep);
        decoded_.erase(0, sep + 2);
        return parse(block);
      }
      if (ended_ || sock_.eof()) return std::nullopt;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      sock_.read_some(left);
    }
  }

  // The next message that carries an event (skips retry lines and comments).
  std::optional<SseMessage> next_event(std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto m = next(left);
      if (!m) return std::nullopt;
      if (!m->event.empty() || m->id) return m;
    }
  }

  // True when the stream ends cleanly (terminating chunk, or EOF for close-delimited) in time.
  bool wait_end(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      dechunk();
      if (ended_) return true;
      if (sock_.eof()) return !chunked_;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      sock_.read_some(left);
    }
  }
  bool saw_terminator() const { return ended_; }

  TestSocket& socket() { return sock_; }

 private:
  void dechunk() {
    auto& b = sock_.buffer();
    if (!chunked_) {
      decoded_ += b;
      b.clear();
      return;
    }
    while (!ended_) {
      const auto e = b.find("\r\n");
      if (e == std::string::npos) return;
      const std::size_t n = std::stoul(b.substr(0, e), nullptr, 16);
      if (b.size() < e + 2 + n + 2) return;
      decoded_ += b.substr(e + 2, n);
      b.erase(0, e + 2 + n + 2);
      if (n == 0) ended_ = true;
    }
  }

  static SseMessage parse(const std::string& block) {
    SseMessage m;
    std::size_t pos = 0;
    while (pos <= block.size()) {
      auto e = block.find('\n', pos);
      if (e == std::string::npos) e = block.size();
      const std::string line = block.substr(pos, e - pos);
      pos = e + 1;
      if (line.empty()) continue;
      if (line[0] == ':') {
        m.comments.push_back(line.substr(line.size() > 1 && line[1] == ' ' ? 2 : 1));
        continue;
      }
      const auto colon = line.find(':');
      const std::string field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      if (field == "id") m.id = value;
      else if (field == "event") m.event = value;
      else if (field == "data") m.data += value;
      else if (field == "retry") m.retry = std::stol(value);
    }
    return m;
  }

  TestSocket sock_;
  bool chunked_ = false;
  bool ended_ = false;
  std::string decoded_;
};

// ---------------------------------------------------------------- WebSocket

inline std::string base64(const unsigned char* data, std::size_t n) {
  static constexpr char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < n; i += 3) {
    const unsigned v = (data[i] << 16) | ((i + 1 < n ? data[i + 1] : 0) << 8) | (i + 2 < n ? data[i + 2] : 0);
    out.push_back(kTable[(v >> 18) & 63]);
    out.push_back(kTable[(v >> 12) & 63]);
    out.push_back(i + 1 < n ? kTable[(v >> 6) & 63] : '=');
    out.push_back(i + 2 < n ? kTable[v & 63] : '=');
  }
  return out;
}

struct WsFrame {
  int opcode = 0;  // 1 text, 2 binary, 8 close, 9 ping, 10 pong
  std::string payload;
  int close_code() const {
    return payload.size() >= 2 ? (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1])
                               : 1005;
  }
};

class WsTestClient {
 public:
  WsTestClient(std::uint16_t port, std::string_view target,
               const std::vector<std::pair<std::string, std::string>>& headers = {})
      : sock_(port) {
    unsigned char key_bytes[16];
    std::mt19937 rng{std::random_device{}()};
    for (auto& b : key_bytes) b = static_cast<unsigned char>(rng());
    key_ = base64(key_bytes, sizeof key_bytes);
    std::string req;
    req.append("GET ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
    req.append("Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ").append(key_).append("\r\n");
    for (const auto& [k, v] : headers) req.append(k).append(": ").append(v).append("\r\n");
    req.append("\r\n");
    sock_.send(req);
  }

  // The handshake answer (101 on success). `accept_ok` tells whether Sec-WebSocket-Accept
  // matches the key.
  std::optional<HttpResponse> handshake(std::chrono::milliseconds timeout = 5000ms) {
    auto r = sock_.read_response(timeout, true);
    if (r && r->status != 101) {
      // Error answers have a body: read it.
      if (auto cl = r->header("Content-Length")) {
        const std::size_t n = std::stoul(*cl);
        sock_.read_until([n](const std::string& b) { return b.size() >= n; }, timeout);
        r->body = sock_.buffer().substr(0, n);
        sock_.buffer().erase(0, std::min(n, sock_.buffer().size()));
      }
    }
    if (r && r->status == 101) {
      const std::string magic = key_ + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
      unsigned char digest[EVP_MAX_MD_SIZE];
      unsigned int digest_len = 0;
      EVP_Digest(magic.data(), magic.size(), digest, &digest_len, EVP_sha1(), nullptr);
      accept_ok_ = r->header("Sec-WebSocket-Accept") == base64(digest, digest_len);
    }
    return r;
  }
  bool accept_ok() const { return accept_ok_; }

  bool send_frame(int opcode, std::string_view payload) {
    std::string f;
    f.push_back(static_cast<char>(0x80 | opcode));
    if (payload.size() < 126) {
      f.push_back(static_cast<char>(0x80 | payload.size()));
    } else if (payload.size() < 65536) {
      f.push_back(static_cast<char>(0x80 | 126));
      f.push_back(static_cast<char>((payload.size() >> 8) & 0xff));
      f.push_back(static_cast<char>(payload.size() & 0xff));
    } else {
      f.push_back(static_cast<char>(0x80 | 127));
      for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> (8 * i)) & 0xff));
    }
    const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    f.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < payload.size(); ++i) f.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    return sock_.send(f);
  }
  bool send_text(std::string_view text) { return send_frame(1, text); }
  bool send_close(int code = 1000) {
    std::string p;
    p.push_back(static_cast<char>((code >> 8) & 0xff));
    p.push_back(static_cast<char>(code & 0xff));
    return send_frame(8, p);
  }

  // The next message (fragments joined; pings answered and skipped).
  std::optional<WsFrame> next(std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = Clock::now() + timeout;
    std::optional<WsFrame> partial;
    for (;;) {
      auto& b = sock_.buffer();
      if (b.size() >= 2) {
        const auto b1 = static_cast<unsigned char>(b[1]);
        std::size_t len = b1 & 0x7f;
        std::size_t hdr = 2;
        if (len == 126 && b.size() >= 4) {
          len = (static_cast<unsigned char>(b[2]) << 8) | static_cast<unsigned char>(b[3]);
          hdr = 4;
        } else if (len == 127 && b.size() >= 10) {
          len = 0;
          for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(b[2 + i]);
          hdr = 10;
        } else if (len >= 126) {
          hdr = 0;  // need more
        }
        if (hdr && b.size() >= hdr + len) {
          WsFrame f;
          const bool fin = (static_cast<unsigned char>(b[0]) & 0x80) != 0;
          f.opcode = static_cast<unsigned char>(b[0]) & 0x0f;
          f.payload = b.substr(hdr, len);
          b.erase(0, hdr + len);
          if (f.opcode == 9) {
            send_frame(10, f.payload);
            continue;
          }
          if (f.opcode == 0 && partial) {
            partial->payload += f.payload;
            if (fin) return std::exchange(partial, std::nullopt);
            continue;
          }
          if (!fin) {
            partial = std::move(f);
            continue;
          }
          return f;
        }
      }
      if (sock_.eof()) return std::nullopt;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::nullopt;
      sock_.read_some(left);
    }
  }

  TestSocket& socket() { return sock_; }

 private:
  TestSocket sock_;
  std::string key_;
  bool accept_ok_ = false;
};

// ---------------------------------------------------------------- a server on 127.0.0.1:0

// Short timeouts so tests about timeouts finish quickly.
inline ServerOptions test_server_options() {
  ServerOptions o;
  o.bind_address = "127.0.0.1";
  o.port = 0;
  o.header_timeout = 2000ms;
  o.idle_timeout = 2000ms;
  o.request_timeout = 3000ms;
  o.access_log = false;
  return o;
}

// A server and the threads that run it; stopped (without grace) on destruction.
struct RunningServer {
  explicit RunningServer(ServerOptions options = test_server_options(), unsigned threads = 2)
      : runtime(threads), server(runtime.context(), std::move(options)) {}
  ~RunningServer() {
    server.stop(0ms);
    server.wait_stopped(5000ms);
    runtime.stop();
  }
  Router& router() { return server.router(); }
  void start() {
    server.start();
    runtime.start();
  }
  std::uint16_t port() const { return server.port(); }

  IoRuntime runtime;
  HttpServer server;
};

}  // namespace ms::net::test
