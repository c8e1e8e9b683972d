package io.pushring.hash;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * XXH64 against published reference values.
 *
 * <ul>
 *   <li>xxHash's own self-test, {@code XSUM_sanityCheck} in Cyan4973/xxHash
 *       {@code cli/xsum_sanity_check.c}: a pseudo-random buffer ({@code XSUM_fillTestBuffer}) hashed
 *       at lengths 0, 1, 4, 14 and 222 (every code path: tail bytes, 4-byte tail, 8-byte lanes, the
 *       32-byte stripe loop) with seeds 0 and PRIME32.
 *   <li>SMHasher's verification value for xxHash64, {@code 0x024B7CF4} (rurban/smhasher
 *       {@code main.cpp}, entry "xxHash64").
 *   <li>ClickHouse's functional test {@code 00803_xxhash.sql} (ClickHouse/ClickHouse): '' , 'ABC',
 *       'xxhash', 'foo', 'bar'.
 * </ul>
 */
class XxHash64Test {
  private static final long PRIME32 = 2654435761L;
  private static final long PRIME64 = 0x9E3779B185EBCA8DL; // 11400714785074694797, PRIME64 of xsum_sanity_check.c

  /** {@code XSUM_fillTestBuffer}: byte i is the top byte of PRIME32 * PRIME64^i (mod 2^64). */
  private static byte[] sanityBuffer(int len) {
    byte[] b = new byte[len];
    long gen = PRIME32;
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (gen >>> 56);
      gen *= PRIME64;
    }
    return b;
  }

  @ParameterizedTest(name = "xsum_sanity_check: len {0} seed {1} -> {2}")
  @CsvSource({
    "0, 0, EF46DB3751D8E999",
    "0, 2654435761, AC75FDA2929B17EF",
    "1, 0, E934A84ADB052768",
    "1, 2654435761, 5014607643A9B4C3",
    "4, 0, 9136A0DCA57457EE",
    "14, 0, 8282DCC4994E35C8",
    "14, 2654435761, C3BD6BF63DEB6DF0",
    "222, 0, B641AE8CB691C174",
    "222, 2654435761, 20CB8AB7AE10C14A",
  })
  void xxhsumSanityCheck(int len, long seed, String expected) {
    byte[] buf = sanityBuffer(2367);
    assertThat(XxHash64.hash(buf, 0, len, seed)).isEqualTo(Long.parseUnsignedLong(expected, 16));
  }

  @ParameterizedTest(name = "clickhouse: \"{0}\" -> {1}")
  @CsvSource({
    "'', ef46db3751d8e999",
    "ABC, e66ae7354fcfee98",
    "xxhash, 32dd38952c4bc720",
  })
  void clickHouseHexVectors(String text, String expected) {
    assertThat(XxHash64.hash(text.getBytes(UTF_8))).isEqualTo(Long.parseUnsignedLong(expected, 16));
  }

  @Test
  void clickHouseDecimalVectors() {
    assertThat(XxHash64.hash("foo".getBytes(UTF_8))).isEqualTo(Long.parseUnsignedLong("3728699739546630719"));
    assertThat(XxHash64.hash("bar".getBytes(UTF_8))).isEqualTo(Long.parseUnsignedLong("5234164152756840025"));
    assertThat(XxHash64.hash(new byte[] {1})).isEqualTo(Long.parseUnsignedLong("9962287286179718960"));
  }

  @Test
  void smhasherVerificationValue() {
    byte[] key = new byte[256];
    byte[] hashes = new byte[8 * 256];
    for (int i = 0; i < 256; i++) {
      key[i] = (byte) i;
      long h = XxHash64.hash(key, 0, i, 256 - i);
      for (int b = 0; b < 8; b++) hashes[i * 8 + b] = (byte) (h >>> (8 * b)); // little-endian
    }
    long fin = XxHash64.hash(hashes, 0, hashes.length, 0);
    assertThat((int) fin).isEqualTo(0x024B7CF4); // SMHasher keeps the first four bytes, little-endian
  }

  @Test
  void hashesTheGivenSliceOnly() {
    byte[] buf = sanityBuffer(240);
    byte[] shifted = new byte[buf.length + 3];
    System.arraycopy(buf, 0, shifted, 3, buf.length);
    assertThat(XxHash64.hash(shifted, 3, 222, 0)).isEqualTo(0xB641AE8CB691C174L);
  }
}
