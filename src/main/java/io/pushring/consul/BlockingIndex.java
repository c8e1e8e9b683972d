package io.pushring.consul;

/**
 * The {@code X-Consul-Index} bookkeeping of a blocking-query loop, as Consul's "Blocking Queries"
 * page asks of clients (and as dskit's {@code checkLastIndex} does): never wait on index 0, treat
 * an index that goes backwards (snapshot restore, server change) as a reset, and an unchanged index
 * as "nothing changed". Immutable.
 */
public record BlockingIndex(long value) {
  /** Before the first answer: the next query returns at once. */
  public static final BlockingIndex NONE = new BlockingIndex(0);

  /** What an answer tells us. */
  public enum Outcome { CHANGED, UNCHANGED, RESET }

  /** Should the next query block? Only on an index we have seen (never on 0). */
  public boolean blocks() {
    return value > 0;
  }

  /** The outcome of an answer carrying {@code returned}, compared with this index. */
  public Outcome classify(long returned) {
    if (returned < value) return Outcome.RESET;
    return returned == value ? Outcome.UNCHANGED : Outcome.CHANGED;
  }

  /**
   * The index for the next query after an answer with {@code returned}: a reset starts over with
   * a non-blocking query; otherwise the returned index, clamped to at least 1 ("it is always safe
   * to use an index of 1"; a 0 from a misbehaving server would otherwise be sent back as 0).
   */
  public BlockingIndex next(long returned) {
    if (returned < value) return NONE;
    return new BlockingIndex(Math.max(1, returned));
  }
}
