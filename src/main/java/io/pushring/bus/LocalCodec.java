package io.pushring.bus;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/** Event-bus codec for immutable values that never leave this JVM: delivers the same reference. */
public final class LocalCodec<T> implements MessageCodec<T, T> {
  private final Class<T> type;

  public LocalCodec(Class<T> type) { this.type = type; }

  /** Makes {@code type} travel by reference on this Vert.x's event bus. Idempotent (a second deployment on one Vert.x). */
  public static <T> void register(Vertx vertx, Class<T> type) {
    try {
      vertx.eventBus().registerDefaultCodec(type, new LocalCodec<>(type));
    } catch (IllegalStateException alreadyRegistered) {
      // the codec is there already
    }
  }

  @Override public void encodeToWire(Buffer buffer, T t) { throw new UnsupportedOperationException("local only: " + type.getName()); }
  @Override public T decodeFromWire(int pos, Buffer buffer) { throw new UnsupportedOperationException("local only: " + type.getName()); }
  @Override public T transform(T t) { return t; }
  @Override public String name() { return "local:" + type.getName(); }
  @Override public byte systemCodecID() { return -1; }
}
