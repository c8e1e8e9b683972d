package io.pushring.ring;

import io.pushring.key.GroupingKey;

/** What a push is hashed on and how ring points are derived. Part of the placement contract: frozen. */
public enum Placement {
  /** Hash of the canonical grouping key; points derived from member ids. The default. */
  GROUPING_KEY("grouping-key"),
  /** Bit-compatible with ning1875/dynamic-sharding (see DESIGN.md): MurmurHash3 x86_32 of the decoded path. */
  DYNAMIC_SHARDING("dynamic-sharding");

  private final String configName;

  Placement(String configName) { this.configName = configName; }

  /** The name used in configuration ({@code placement.key}). */
  public String configName() { return configName; }

  public static Placement fromConfigName(String name) {
    for (Placement p : values()) if (p.configName.equals(name)) return p;
    throw new IllegalArgumentException("unknown placement " + name);
  }

  /** The ring position of a key under this placement. SKELETON. */
  public long hash(GroupingKey key) { throw new UnsupportedOperationException("skeleton"); }
}
