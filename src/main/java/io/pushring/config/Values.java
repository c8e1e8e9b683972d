package io.pushring.config;

import java.util.List;
import java.util.Map;

/** How a rejected value is shown in an error message: always on one line, strings quoted. */
final class Values {
  private Values() {}

  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    return b.append('"').toString();
  }

  static String describe(Object raw) {
    if (raw == null) return "nothing";
    if (raw instanceof String s) return quote(s);
    if (raw instanceof Map<?, ?>) return "a mapping";
    if (raw instanceof List<?>) return "a list";
    return String.valueOf(raw);
  }
}
