package io.pushring.config;

import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** YAML text to the nested maps ConfigLoader takes, parsed the way vertx-config-yaml parses (SnakeYAML). */
final class Trees {
  private Trees() {}

  static Map<String, Object> yaml(String text) {
    Map<String, Object> tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    return tree == null ? Map.of() : tree;
  }
}
