// constants.h - see constants.cc.
#pragma once
#include "nt.h"
#include <napi.h>

namespace mh {
Napi::Object MakeConstants(Napi::Env env);
}
