package io.pushring.config;

import java.util.Map;

/** Turns the parsed YAML tree plus the environment into a validated {@link PushringConfig}. Pure. */
public final class ConfigLoader {
  private ConfigLoader() {}

  /**
   * @param yamlTree the YAML file as nested maps/lists (empty map when no file)
   * @param env the process environment; {@code PUSHRING_*} entries override keys
   * @throws ConfigException naming the first unknown key or invalid value
   */
  public static PushringConfig load(Map<String, Object> yamlTree, Map<String, String> env) {
    throw new UnsupportedOperationException("skeleton");
  }
}
