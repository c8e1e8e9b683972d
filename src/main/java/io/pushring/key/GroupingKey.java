package io.pushring.key;

import java.util.SortedMap;

/**
 * The grouping key of one push, exactly as Pushgateway 1.5.x derives it from the request path.
 *
 * <p>Immutable. {@link #canonical()} is the Pushgateway's own group identity
 * ({@code storage.groupingKeyFor}): label names sorted, {@code name 0xFF value 0xFF ...} without a
 * trailing separator, values as raw decoded bytes. Two paths the Pushgateway treats as one group
 * have equal canonical bytes, whatever their label order, base64 or percent-encoding.
 */
public final class GroupingKey {
  // SKELETON: implemented in the key package work.
  public byte[] canonical() { throw new UnsupportedOperationException("skeleton"); }

  /** The whole request path percent-decoded to raw bytes ({@code +} kept), the dynamic-sharding hash input. */
  public byte[] decodedPath() { throw new UnsupportedOperationException("skeleton"); }

  /** Label name to raw value bytes, including {@code job}; sorted by name. */
  public SortedMap<String, byte[]> labels() { throw new UnsupportedOperationException("skeleton"); }

  /** Human-readable form, e.g. {@code {instance="a",job="b"}}; non-UTF-8 bytes escaped as {@code \xff}. */
  public String printable() { throw new UnsupportedOperationException("skeleton"); }
}
