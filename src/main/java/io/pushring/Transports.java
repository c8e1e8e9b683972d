package io.pushring;

import io.pushring.config.PushringConfig;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.transport.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Which Netty transport pushring's Vert.x runs on ({@code http.transport}). {@link #choose} is the pure
 * rule: the requested transport if it can run, else the next of io_uring, epoll, nio that can, with the
 * reasons of those skipped. {@link #probe} asks Vert.x (and so Netty: a missing native jar, a kernel
 * that refuses io_uring, {@code -Dio.netty.transport.noNative=true}) whether a transport can run.
 */
final class Transports {
  /**
   * What {@code auto} tries, best first, by the A/B runs in README "Performance" (Netty transport):
   * io_uring served 1.2-1.7x the requests per CPU-second of epoll (redirect and proxy), epoll 1.0-1.1x
   * nio's; nio runs everywhere.
   */
  static final List<String> AUTO = List.of("io_uring", "epoll", "nio");

  static final String NIO = "nio";

  private Transports() {}

  /**
   * @param requested the configured transport
   * @param name the transport that runs; {@code reason}: why the requested one does not ("" when it does)
   */
  record Choice(PushringConfig.Transport requested, String name, String reason) {
    /** The start log's line. */
    String describe() {
      String asked = "http.transport " + requested.configName();
      return "transport " + name + " (" + asked + (reason.isEmpty() ? "" : "; " + reason) + ")";
    }
  }

  /**
   * @param unavailable a transport's name to null when it can run, else why not (one line)
   */
  static Choice choose(PushringConfig.Transport requested, Function<String, String> unavailable) {
    List<String> skipped = new ArrayList<>();
    for (String candidate : candidates(requested)) {
      String why = candidate.equals(NIO) ? null : unavailable.apply(candidate);
      if (why == null) return new Choice(requested, candidate, String.join("; ", skipped));
      skipped.add(candidate + " unavailable: " + why);
    }
    throw new AssertionError("nio is always a candidate");
  }

  /** The transports tried for {@code requested}, in order; nio last, as it always runs. */
  static List<String> candidates(PushringConfig.Transport requested) {
    return switch (requested) {
      case AUTO -> AUTO;
      case IO_URING -> List.of("io_uring", "epoll", NIO);
      case EPOLL -> List.of("epoll", NIO);
      case NIO -> List.of(NIO);
    };
  }

  /** Vert.x's view: null when {@code name} can run here, else why not. */
  static String probe(String name) {
    Transport t = vertxTransport(name);
    if (t == null) return "its Netty native jar is not on the class path";
    if (t.available()) return null;
    Throwable cause = t.unavailabilityCause();
    while (cause != null && cause.getCause() != null && cause.getMessage() == null) cause = cause.getCause();
    return cause == null ? "unknown cause" : oneLine(cause);
  }

  /** Vert.x's constant for {@code name}; null when its jar is missing. */
  static Transport vertxTransport(String name) {
    return switch (name) {
      case "epoll" -> Transport.EPOLL;
      case "io_uring" -> Transport.IO_URING;
      case NIO -> Transport.NIO;
      default -> throw new IllegalArgumentException(name);
    };
  }

  /**
   * The transport {@code vertx} really runs on, from Vert.x itself (it falls back to nio on its own
   * when handed one that cannot run): "epoll", "io_uring", "nio", or the class name of another.
   */
  static String inUse(Vertx vertx) {
    io.vertx.core.spi.transport.Transport impl = ((VertxInternal) vertx).transport();
    for (String name : List.of("epoll", "io_uring", NIO)) {
      Transport t = vertxTransport(name);
      if (t != null && t.implementation() == impl) return name;
    }
    return impl.getClass().getName();
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
    return m.replaceAll("\\s+", " ").strip();
  }
}
