package io.pushring.hash;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * MurmurHash3 x86_32 against published reference values.
 *
 * <ul>
 *   <li>SMHasher's own verification value for {@code MurmurHash3_x86_32}, {@code 0xB0F57EE3}
 *       (aappleby/smhasher {@code src/main.cpp}, table {@code g_hashes}, "Murmur3A"; the procedure is
 *       {@code VerificationTest} in {@code src/KeysetTest.cpp}). One number that pins every block and
 *       tail length from 0 to 255 and 256 seeds.
 *   <li>Bitcoin Core's vectors (bitcoin/bitcoin {@code src/test/hash_tests.cpp}, test
 *       {@code murmurhash3}): hex inputs, seeds 0, 0xFBA4C795 and 0xFFFFFFFF.
 *   <li>The widely copied vectors of the StackOverflow question "MurmurHash3 test vectors"
 *       (questions/14747343), e.g. "Hello, world!" seed 0x9747b28c gives 0x24884CBA.
 * </ul>
 */
class Murmur3Test {

  @ParameterizedTest(name = "bitcoin: \"{2}\" seed {1} -> {0}")
  @CsvSource({
    "00000000, 00000000, ''",
    "6a396f08, FBA4C795, ''",
    "81f16f39, ffffffff, ''",
    "514e28b7, 00000000, 00",
    "ea3f0b17, FBA4C795, 00",
    "fd6cf10d, 00000000, ff",
    "16c6b7ab, 00000000, 0011",
    "8eb51c3d, 00000000, 001122",
    "b4471bf8, 00000000, 00112233",
    "e2301fa8, 00000000, 0011223344",
    "fc2e4a15, 00000000, 001122334455",
    "b074502c, 00000000, 00112233445566",
    "8034d2a0, 00000000, 0011223344556677",
    "b4698def, 00000000, 001122334455667788",
  })
  void bitcoinCoreVectors(String expected, String seed, String hexData) {
    byte[] data = HexFormat.of().parseHex(hexData);
    int seedInt = (int) Long.parseLong(seed, 16);
    assertThat(Murmur3.hash32(data, 0, data.length, seedInt)).isEqualTo((int) Long.parseLong(expected, 16));
  }

  @ParameterizedTest(name = "\"{0}\" seed {1} -> {2}")
  @CsvSource({
    "'', 00000000, 00000000",
    "'', 00000001, 514E28B7",
    "'', ffffffff, 81F16F39",
    "'!Ce\u0087', 00000000, F55B516B",
    "'Hello, world!', 9747b28c, 24884CBA",
    "'The quick brown fox jumps over the lazy dog', 9747b28c, 2FA826CD",
    "'abc', 00000000, B3DD93FA",
    "'hello', 00000000, 248BFA47",
  })
  void stackOverflowVectors(String text, String seed, String expected) {
    // "!Ce\x87" is four bytes; ISO-8859-1 keeps \u0087 as the single byte 0x87.
    byte[] data = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(Murmur3.hash32(data, (int) Long.parseLong(seed, 16)))
        .isEqualTo((int) Long.parseLong(expected, 16));
  }

  @Test
  void smhasherVerificationValue() {
    byte[] key = new byte[256];
    byte[] hashes = new byte[4 * 256];
    for (int i = 0; i < 256; i++) {
      key[i] = (byte) i;
      int h = Murmur3.hash32(key, 0, i, 256 - i);
      for (int b = 0; b < 4; b++) hashes[i * 4 + b] = (byte) (h >>> (8 * b)); // little-endian, as SMHasher stores it
    }
    assertThat(Murmur3.hash32(hashes, 0)).isEqualTo(0xB0F57EE3);
  }

  @Test
  void hashesTheGivenSliceOnly() {
    byte[] padded = "xxHello, world!yy".getBytes(UTF_8);
    assertThat(Murmur3.hash32(padded, 2, 13, 0x9747b28c)).isEqualTo(0x24884CBA);
  }

  @Test
  void rejectsSliceOutOfBounds() {
    assertThatThrownBy(() -> Murmur3.hash32(new byte[3], 1, 3, 0)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
