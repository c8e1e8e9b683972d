package io.pushring.testing.consul;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A TCP proxy on a free loopback port in front of a real Consul agent, for the faults that TCP can
 * cause: answers held back ({@link #stall}) and answers cut after their first bytes ({@link
 * #cutConnections}). It counts requests by their request line ({@code GET /v1/...}), which is
 * enough for the small GETs of a Consul client. Runs on a Vert.x of its own; one context, so the
 * per-connection state needs no locks.
 */
public final class TcpFaultProxy implements TcpFaults, AutoCloseable {
  private static final int CUT_AFTER_BYTES = 12;

  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
  private final NetServer server;
  private final NetClient client;
  private final String targetHost;
  private final int targetPort;
  private final AtomicReference<Long> stalledUntilNanos = new AtomicReference<>(0L);
  private final AtomicInteger cuts = new AtomicInteger();
  private final AtomicReference<String> cutPrefix = new AtomicReference<>("/");
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();

  public TcpFaultProxy(String targetHost, int targetPort) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient();
    this.server = vertx.createNetServer().connectHandler(this::accept).listen(0, "127.0.0.1").await();
  }

  public String hostPort() {
    return "127.0.0.1:" + server.actualPort();
  }

  @Override
  public void stall(Duration delay) {
    stalledUntilNanos.set(delay.isZero() || delay.isNegative() ? 0L : System.nanoTime() + delay.toNanos());
  }

  @Override
  public void cutConnections(int n, String pathPrefix) {
    cutPrefix.set(pathPrefix);
    cuts.set(n);
  }

  @Override
  public void clearFaults() {
    stalledUntilNanos.set(0L);
    cuts.set(0);
  }

  @Override
  public long requestCount(String pathPrefix) {
    long total = 0;
    for (Map.Entry<String, LongAdder> e : counts.entrySet()) {
      if (e.getKey().startsWith(pathPrefix)) total += e.getValue().sum();
    }
    return total;
  }

  @Override
  public void close() {
    vertx.close().await();
  }

  private void accept(NetSocket downstream) {
    downstream.pause();
    client.connect(targetPort, targetHost).onComplete(ar -> {
      if (ar.failed()) {
        downstream.close();
        return;
      }
      NetSocket upstream = ar.result();
      open.add(downstream);
      Connection c = new Connection(downstream, upstream);
      downstream.handler(c::fromClient);
      upstream.handler(c::fromConsul);
      downstream.closeHandler(v -> {
        open.remove(downstream);
        upstream.close();
      });
      upstream.closeHandler(v -> c.upstreamClosed());
      downstream.resume();
    });
  }

  /** One proxied connection: what the client asked last, and answers held back by a stall. */
  private final class Connection {
    private final NetSocket downstream;
    private final NetSocket upstream;
    private final Queue<Buffer> held = new ArrayDeque<>();
    private boolean cutThisAnswer;
    private boolean upstreamClosed;
    private long timer = -1;

    Connection(NetSocket downstream, NetSocket upstream) {
      this.downstream = downstream;
      this.upstream = upstream;
    }

    void fromClient(Buffer data) {
      String text = data.toString(StandardCharsets.ISO_8859_1);
      for (String line : text.split("\r\n")) {
        int sp = line.indexOf(' ');
        int sp2 = sp < 0 ? -1 : line.indexOf(' ', sp + 1);
        if (sp > 0 && sp2 > sp && line.endsWith("HTTP/1.1") && line.substring(0, sp).matches("[A-Z]+")) {
          String target = line.substring(sp + 1, sp2);
          int q = target.indexOf('?');
          String path = q < 0 ? target : target.substring(0, q);
          counts.computeIfAbsent(path, p -> new LongAdder()).increment();
          if (path.startsWith(cutPrefix.get()) && cuts.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) cutThisAnswer = true;
        }
      }
      upstream.write(data);
    }

    void fromConsul(Buffer data) {
      held.add(data);
      flush();
    }

    void upstreamClosed() {
      upstreamClosed = true;
      flush();
    }

    private void flush() {
      long until = stalledUntilNanos.get();
      long now = System.nanoTime();
      if (until != 0 && now < until) {
        if (timer < 0) {
          // re-check at the end of the stall, or earlier if it is cleared meanwhile
          timer = vertx.setTimer(Math.max(1, Math.min(100, (until - now) / 1_000_000)), t -> {
            timer = -1;
            flush();
          });
        }
        return;
      }
      while (!held.isEmpty()) {
        Buffer next = held.poll();
        if (cutThisAnswer) {
          downstream.write(next.slice(0, Math.min(CUT_AFTER_BYTES, next.length())));
          downstream.close();
          upstream.close();
          held.clear();
          return;
        }
        downstream.write(next);
      }
      if (upstreamClosed) downstream.close();
    }
  }
}
