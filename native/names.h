// names.h - how contract names become JavaScript names.
#pragma once

#include <cctype>
#include <string>

namespace mh {

// "AllocationsOutstanding" (an X-macro field of the contract header) -> "allocationsOutstanding"
inline std::string CamelCase(const char* name) {
  std::string s(name);
  if (!s.empty()) {
    s[0] = static_cast<char>(tolower(static_cast<unsigned char>(s[0])));
  }
  return s;
}

}  // namespace mh
