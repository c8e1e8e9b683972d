package io.pushring.key;

/**
 * A hash over a byte range, so placement can hash a key's bytes without a defensive copy
 * ({@link GroupingKey#hashCanonical}, {@link GroupingKey#hashDecodedPath}).
 * Implementations must neither modify nor keep the array they are given.
 */
@FunctionalInterface
public interface ByteHasher {
  long hash(byte[] bytes, int offset, int length);
}
