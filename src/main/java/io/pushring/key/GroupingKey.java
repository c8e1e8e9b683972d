package io.pushring.key;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The grouping key of one push, exactly as Pushgateway 1.5.x derives it from the request path.
 *
 * <p>Immutable. {@link #canonical()} is the Pushgateway's own group identity
 * ({@code storage.groupingKeyFor}): label names sorted, {@code name 0xFF value 0xFF ...} without a
 * trailing separator, values as raw decoded bytes. Two paths the Pushgateway treats as one group
 * have equal canonical bytes, whatever their label order, base64 or percent-encoding.
 * Equality and hash code are those of the canonical bytes.
 *
 * <p>Only {@link GroupingKeyParser} builds keys, and it rejects values that are not valid UTF-8, so
 * the byte 0xFF occurs in the canonical form only as the separator.
 */
public final class GroupingKey {
  static final byte SEPARATOR = (byte) 0xff;

  /** Holds the decoded path in [0, pathLength); may be longer (scratch space of the parser). */
  private final byte[] decoded;
  private final int pathLength;
  private final byte[] canonical;
  /** Racy single-check caches, as in String.hashCode: the values are deterministic and immutable. */
  private int hash;
  private String printable;

  GroupingKey(byte[] decoded, int pathLength, byte[] canonical) {
    this.decoded = decoded;
    this.pathLength = pathLength;
    this.canonical = canonical;
  }

  /** The canonical key bytes (a copy; see {@link #hashCanonical} for the zero-copy form). */
  public byte[] canonical() { return canonical.clone(); }

  /** The whole request path percent-decoded to raw bytes ({@code +} kept), the dynamic-sharding hash input. */
  public byte[] decodedPath() { return Arrays.copyOf(decoded, pathLength); }

  /** Hashes {@link #canonical()} without copying it. */
  public long hashCanonical(ByteHasher hasher) { return hasher.hash(canonical, 0, canonical.length); }

  /** Hashes {@link #decodedPath()} without copying it. */
  public long hashDecodedPath(ByteHasher hasher) { return hasher.hash(decoded, 0, pathLength); }

  /** Label name to raw value bytes, including {@code job}; sorted by name. Unmodifiable; values are copies. */
  public SortedMap<String, byte[]> labels() {
    TreeMap<String, byte[]> labels = new TreeMap<>();
    forEachLabel((nameFrom, nameTo, valueFrom, valueTo) ->
        labels.put(new String(canonical, nameFrom, nameTo - nameFrom, StandardCharsets.US_ASCII),
            Arrays.copyOfRange(canonical, valueFrom, valueTo)));
    return Collections.unmodifiableSortedMap(labels);
  }

  /**
   * This key as the Pushgateway's all-base64 push path, {@code /metrics/job@base64/<job>} followed by
   * {@code /<name>@base64/<value>} per other label in name order: URL-safe base64 of the raw value
   * bytes without padding, {@code =} for an empty value. Parsing it gives this key back, whatever
   * the values hold ({@code /}, {@code %}, non-ASCII), so it is the safe path for a DELETE or a PUT
   * of this group (what the reconciler sends). Pure ASCII.
   */
  public String base64Path() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    StringBuilder job = new StringBuilder("/metrics/job@base64/");
    StringBuilder rest = new StringBuilder();
    forEachLabel((nameFrom, nameTo, valueFrom, valueTo) -> {
      String value = valueTo == valueFrom ? "=" : b64.encodeToString(Arrays.copyOfRange(canonical, valueFrom, valueTo));
      if (isJob(nameFrom, nameTo)) {
        job.append(value);
      } else {
        rest.append('/').append(new String(canonical, nameFrom, nameTo - nameFrom, StandardCharsets.US_ASCII))
            .append("@base64/").append(value);
      }
    });
    return job.append(rest).toString();
  }

  /** Human-readable form, e.g. {@code {instance="a",job="b"}}; values quoted as Go's %q does. */
  public String printable() {
    String p = printable;
    if (p == null) {
      StringBuilder sb = new StringBuilder(canonical.length + 16).append('{');
      forEachLabel((nameFrom, nameTo, valueFrom, valueTo) -> {
        if (sb.length() > 1) sb.append(',');
        for (int i = nameFrom; i < nameTo; i++) sb.append((char) canonical[i]);
        sb.append('=');
        GoQuote.appendQuoted(sb, canonical, valueFrom, valueTo);
      });
      printable = p = sb.append('}').toString();
    }
    return p;
  }

  /** The value of the {@code job} label (every key has one), without building {@link #labels()}. */
  public String job() {
    int i = 0;
    while (i < canonical.length) {
      int nameTo = nextSeparator(i);
      int valueTo = nextSeparator(nameTo + 1);
      if (isJob(i, nameTo)) return new String(canonical, nameTo + 1, valueTo - nameTo - 1, StandardCharsets.UTF_8);
      i = valueTo + 1;
    }
    return null;
  }

  private interface LabelVisitor {
    void visit(int nameFrom, int nameTo, int valueFrom, int valueTo);
  }

  /** Walks the canonical bytes: name 0xFF value (0xFF name 0xFF value)*. Always has job, never empty. */
  private void forEachLabel(LabelVisitor visitor) {
    int i = 0;
    while (i < canonical.length) {
      int nameTo = nextSeparator(i);
      int valueTo = nextSeparator(nameTo + 1);
      visitor.visit(i, nameTo, nameTo + 1, valueTo);
      i = valueTo + 1;
    }
  }

  private int nextSeparator(int i) {
    while (i < canonical.length && canonical[i] != SEPARATOR) i++;
    return i;
  }

  private boolean isJob(int nameFrom, int nameTo) {
    return nameTo - nameFrom == 3 && canonical[nameFrom] == 'j' && canonical[nameFrom + 1] == 'o' && canonical[nameFrom + 2] == 'b';
  }

  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof GroupingKey && Arrays.equals(canonical, ((GroupingKey) o).canonical));
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) hash = h = Arrays.hashCode(canonical);
    return h;
  }

  @Override
  public String toString() { return printable(); }
}
