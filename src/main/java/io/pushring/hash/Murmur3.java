package io.pushring.hash;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * MurmurHash3 x86_32 (Austin Appleby, public domain), bit for bit as {@code MurmurHash3_x86_32} in
 * SMHasher and as {@code murmur3.Sum32} in github.com/spaolacci/murmur3, which dynamic-sharding uses.
 *
 * <p>Allocation-free: blocks are read little-endian straight from the array through a byte-array
 * view {@link VarHandle}, whatever the platform's byte order.
 */
public final class Murmur3 {
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final int C1 = 0xcc9e2d51;
  private static final int C2 = 0x1b873593;

  private Murmur3() {}

  /** Hash of {@code data[off, off + len)}; compare results as unsigned ({@link Integer#toUnsignedLong}). */
  public static int hash32(byte[] data, int off, int len, int seed) {
    java.util.Objects.checkFromIndexSize(off, len, data.length);
    int h1 = seed;
    int end = off + (len & ~3);
    for (int p = off; p < end; p += 4) {
      h1 ^= mixK1((int) INT_LE.get(data, p));
      h1 = Integer.rotateLeft(h1, 13);
      h1 = h1 * 5 + 0xe6546b64;
    }
    int tail = len & 3;
    if (tail != 0) { // the last 1-3 bytes, little-endian
      int k1 = data[end] & 0xff;
      if (tail > 1) k1 |= (data[end + 1] & 0xff) << 8;
      if (tail > 2) k1 |= (data[end + 2] & 0xff) << 16;
      h1 ^= mixK1(k1);
    }
    h1 ^= len;
    return fmix32(h1);
  }

  /** Hash of the whole array. */
  public static int hash32(byte[] data, int seed) {
    return hash32(data, 0, data.length, seed);
  }

  private static int mixK1(int k1) {
    k1 *= C1;
    k1 = Integer.rotateLeft(k1, 15);
    return k1 * C2;
  }

  /**
   * MurmurHash3's 64-bit finalizer {@code fmix64}: a bijection on 64-bit values with full avalanche
   * (every input bit flips each output bit with probability ~1/2). Two multiplies; no allocation.
   */
  public static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }

  private static int fmix32(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
