#include "services/massive/massive_main.hpp"

#include <mutex>

#include "core/error.hpp"
#include "core/market_source.hpp"
#include "services/massive/massive_engine.hpp"

namespace ms::massive {

runtime::ServiceSpec massive_spec(const MassiveRunOptions& options,
                                  std::function<void(runtime::ServiceContext&)> on_configured) {
  // The engine is created in configure() and destroyed in on_stop(), while the io_context it
  // runs on still exists; readiness probes may race both, hence the lock.
  struct Holder {
    std::mutex mu;
    std::shared_ptr<MassiveEngine> engine;
    std::shared_ptr<MassiveEngine> get() {
      std::lock_guard lock(mu);
      return engine;
    }
    void put(std::shared_ptr<MassiveEngine> e) {
      std::lock_guard lock(mu);
      engine = std::move(e);
    }
  };
  auto holder = std::make_shared<Holder>();
  runtime::ServiceSpec spec;
  spec.id = "massive";
  spec.clock = runtime::ClockRole::publisher;
  spec.configure = [holder, options, on_configured](runtime::ServiceContext& ctx) {
    const bool simulated = core::resolve_market_source(ctx.truth()) == "sim";
    auto config = load_massive_config(ctx.truth(), simulated);
    EngineOptions eo;
    eo.record = options.record;
    if (options.supervision) eo.supervision = *options.supervision;
    eo.loop_failures = options.loop_failures;
    const auto key = ctx.secrets().get("MASSIVE_API_KEY");
    if (key && !key->empty()) {
      eo.api_key = *key;
    } else if (simulated) {
      eo.api_key = "sim";  // the simulator accepts any non-empty key unless told one
    } else {
      throw core::Error("missing_secret", "massive: market source is live but MASSIVE_API_KEY is not set");
    }
    auto engine = std::make_shared<MassiveEngine>(ctx, std::move(config), std::move(eo));
    engine->start();
    holder->put(std::move(engine));
    if (on_configured) on_configured(ctx);
  };
  spec.on_stop = [holder](runtime::ServiceContext&) {
    if (auto engine = holder->get()) engine->stop();
    holder->put(nullptr);
  };
  spec.readiness = [holder]() -> net::Readiness {
    const auto engine = holder->get();
    if (!engine) return net::Readiness{false, {{"engine", "not running"}}};
    return engine->readiness();
  };
  return spec;
}

int run_massive(const runtime::ServiceOptions& service, const MassiveRunOptions& options) {
  const auto spec = massive_spec(options);
  return runtime::run_service(spec, service);
}

}  // namespace ms::massive
