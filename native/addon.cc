// addon.cc - module entry: the Device class, the contract's constants, the machine facts doctor
// reads (system.cc), and a probe of this environment's engine for tests. Context-aware: every
// environment (main thread, each worker) gets its own instance data and, on first use, its own
// engine.
#include "addon_data.h"
#include "constants.h"
#include "device.h"
#include "system.h"
#include "umd/umd_binding.h"

namespace mh {
namespace {

Napi::Value EngineState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonData* data = AddonData::Of(env);
  Napi::Object state = Napi::Object::New(env);
  Engine* engine = data->engine();
  state.Set("started", Napi::Boolean::New(env, engine != nullptr));
  state.Set("inFlight", Napi::Number::New(env, engine ? static_cast<double>(engine->InFlight()) : 0));
  state.Set("refs", Napi::Number::New(env, engine ? engine->Refs() : 0));
  // The native bytes held for requests in flight and records queued (0 when idle).
  state.Set("heldBytes", Napi::Number::New(env, engine ? static_cast<double>(engine->HeldBytes()) : 0));
  state.Set("settleBatch", Napi::Number::New(env, static_cast<double>(Engine::kSettleBatch)));
  return state;
}

}  // namespace
}  // namespace mh

static Napi::Object InitMiracastHil(Napi::Env env, Napi::Object exports) {
  using namespace mh;
  env.SetInstanceData<AddonData>(new AddonData());
  exports.Set("Device", Device::Define(env));
  exports.Set("constants", MakeConstants(env));
  exports.Set("UmdHost", umd::DefineUmdHost(env));
  exports.Set("engineState", Napi::Function::New(env, EngineState, "engineState"));
  exports.Set("systemInfo", Napi::Function::New(env, SystemInfo, "systemInfo"));
  return exports;
}

NODE_API_MODULE(miracast_hil, InitMiracastHil)
