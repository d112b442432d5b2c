// XML text escaping for the JUnit writers.
#pragma once

#include <string>

namespace softcheck {

// `text` with &, <, > and " replaced by their entities (attribute- and element-safe).
inline std::string xml_escape(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '&': escaped += "&amp;"; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '"': escaped += "&quot;"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

}  // namespace softcheck
