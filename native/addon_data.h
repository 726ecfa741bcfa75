// addon_data.h - per-environment state (Node-API instance data): the main thread and every
// worker thread that loads the addon get their own engine, created on first use.
#pragma once

#include "engine.h"
#include <napi.h>

namespace mh {

class AddonData {
 public:
  static AddonData* Of(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

  Engine* GetEngine(Napi::Env env) {
    if (engine_ == nullptr) {
      engine_ = Engine::Create(env, &engine_);
    }
    return engine_;
  }
  // For the tests' probe (engineState): this environment's engine, if it started.
  Engine* engine() const { return engine_; }

  // The engine belongs to its thread-safe function, which deletes it; here it only loses its owner.
  ~AddonData() {
    if (engine_ != nullptr) {
      engine_->Orphan();
    }
  }

 private:
  Engine* engine_ = nullptr;
};

}  // namespace mh
