// umd_binding.h - the UMD host as JavaScript sees it (lib/umd/host.ts wraps it):
//   new UmdHost(device, onEvent, options)   device: an open Device (its handle is duplicated)
//   host.run(task, ...args) -> Promise<result>   load(path) | create | start(rate, local, remote, acceptMs)
//                                                | stop | destroy | close
//   host.listen() -> port; host.setDataRate(stats | null); host.injectChunkResets(n);
//   host.reportHang(operation, ms); host.trace(since, max); host.findings(); host.counters();
//   host.dispose(); host.state; UmdHost.ruleIds; UmdHost.clock
//
// Ownership: the wrapper owns the HostCore (host_core.h says who owns each thread). Events and
// task results reach JavaScript through one thread-safe function whose context (JsSide) is
// freed by its finalizer, after the last call; the event queue is shared with the core's
// threads and closed before the function is released, so no thread calls it afterwards. The
// function keeps the process alive only while a task is pending. dispose() - also run by the
// environment's cleanup hook (env teardown, worker exit) and by the finalizer - shuts the core
// down (bounded), rejects tasks still pending and releases the function.
#pragma once

#include "host_core.h"
#include <napi.h>

namespace mh::umd {

Napi::Function DefineUmdHost(Napi::Env env);

}  // namespace mh::umd
