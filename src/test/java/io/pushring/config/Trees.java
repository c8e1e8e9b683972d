package io.pushring.config;

import java.util.Map;

/** YAML text to the nested maps ConfigLoader takes, parsed exactly as pushring parses its file. */
final class Trees {
  private Trees() {}

  static Map<String, Object> yaml(String text) {
    return ConfigReader.parse(text, "test.yaml");
  }
}
