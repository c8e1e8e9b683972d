package io.pushring.hash;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * XXH64 (Yann Collet, xxHash 0.8 "XXH64", BSD-2), bit for bit as the reference {@code XXH64()}.
 *
 * <p>Why this hash for grouping-key placement: its output is a compatibility contract between
 * pushring instances and versions (like Prometheus' hashmod keeping the same md5 bytes), so it must
 * be a frozen, well-specified 64-bit function with reference implementations in every language
 * and published test vectors (xxhsum's sanity check, SMHasher's verification value); XXH64 is all
 * that, passes SMHasher, takes a 64-bit seed (which derives ring tokens from a member id without
 * building strings) and is what Envoy's ring hash uses. Why hand-written rather than Guava: Guava's
 * {@code HashFunction} returns a new {@code HashCode} per call on the per-request path, it has no
 * XXH64, and it would be a 3 MB dependency for one 60-line function. XXH3 would be faster on long
 * inputs but its specification is far larger; grouping keys are short.
 *
 * <p>Allocation-free: lanes are read little-endian through a byte-array view {@link VarHandle}.
 */
public final class XxHash64 {
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  static final long P1 = 0x9E3779B185EBCA87L;
  static final long P2 = 0xC2B2AE3D27D4EB4FL;
  static final long P3 = 0x165667B19E3779F9L;
  static final long P4 = 0x85EBCA77C2B2AE63L;
  static final long P5 = 0x27D4EB2F165667C5L;

  private XxHash64() {}

  /** XXH64 of {@code data[off, off + len)} with {@code seed}. */
  public static long hash(byte[] data, int off, int len, long seed) {
    Objects.checkFromIndexSize(off, len, data.length);
    final int end = off + len;
    int p = off;
    long h;
    if (len >= 32) {
      long v1 = seed + P1 + P2;
      long v2 = seed + P2;
      long v3 = seed;
      long v4 = seed - P1;
      final int limit = end - 32;
      do {
        v1 = round(v1, (long) LONG_LE.get(data, p));
        v2 = round(v2, (long) LONG_LE.get(data, p + 8));
        v3 = round(v3, (long) LONG_LE.get(data, p + 16));
        v4 = round(v4, (long) LONG_LE.get(data, p + 24));
        p += 32;
      } while (p <= limit);
      h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
      h = mergeRound(h, v1);
      h = mergeRound(h, v2);
      h = mergeRound(h, v3);
      h = mergeRound(h, v4);
    } else {
      h = seed + P5;
    }
    h += len;
    while (p + 8 <= end) {
      h ^= round(0, (long) LONG_LE.get(data, p));
      h = Long.rotateLeft(h, 27) * P1 + P4;
      p += 8;
    }
    if (p + 4 <= end) {
      h ^= ((int) INT_LE.get(data, p) & 0xFFFFFFFFL) * P1;
      h = Long.rotateLeft(h, 23) * P2 + P3;
      p += 4;
    }
    while (p < end) {
      h ^= (data[p] & 0xFFL) * P5;
      h = Long.rotateLeft(h, 11) * P1;
      p++;
    }
    return avalanche(h);
  }

  /** XXH64 of the whole array with seed 0. */
  public static long hash(byte[] data) {
    return hash(data, 0, data.length, 0L);
  }

  private static long round(long acc, long input) {
    acc += input * P2;
    acc = Long.rotateLeft(acc, 31);
    return acc * P1;
  }

  private static long mergeRound(long acc, long val) {
    acc ^= round(0, val);
    return acc * P1 + P4;
  }

  private static long avalanche(long h) {
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    h ^= h >>> 32;
    return h;
  }
}
