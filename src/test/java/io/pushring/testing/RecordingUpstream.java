package io.pushring.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * A stand-in Pushgateway on a free loopback port, on its own Vert.x instance, that records every
 * request it receives (headers, body bytes, whether the body completed or the request was cut) and
 * answers as told. For what a real Pushgateway cannot show: the exact headers a proxy sent, when
 * the first body byte arrived, an upstream that never answers.
 */
public final class RecordingUpstream implements AutoCloseable {
  /** One received request; {@code completed} false means the stream was reset or closed before its end. */
  public record Seen(String method, String uri, MultiMap headers, Buffer body, boolean completed, String connection,
                     long bodyBytesWhenFirstArrived) {}

  public enum Behaviour { ANSWER, NEVER_ANSWER }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final Set<String> connections = ConcurrentHashMap.newKeySet();
  private volatile Behaviour behaviour = Behaviour.ANSWER;
  private volatile int status = 200;
  private volatile String answerBody = "";
  /** Read when the first body byte arrives, e.g. how much the test client had sent by then. */
  private volatile LongSupplier probe = () -> -1;

  public RecordingUpstream() {
    server = vertx.createHttpServer().requestHandler(req -> {
      String connection = String.valueOf(req.connection().remoteAddress());
      connections.add(connection);
      MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
      Buffer body = Buffer.buffer();
      long[] firstProbe = {-1};
      boolean[] ended = {false};
      req.handler(chunk -> {
        if (body.length() == 0) firstProbe[0] = probe.getAsLong();
        body.appendBuffer(chunk);
      });
      req.exceptionHandler(t -> {
        if (!ended[0]) {
          ended[0] = true;
          seen.add(new Seen(req.method().name(), req.uri(), headers, body, false, connection, firstProbe[0]));
        }
      });
      req.endHandler(v -> {
        ended[0] = true;
        seen.add(new Seen(req.method().name(), req.uri(), headers, body, true, connection, firstProbe[0]));
        if (behaviour == Behaviour.ANSWER) {
          req.response().setStatusCode(status).putHeader("X-Upstream", "recording")
              .putHeader("Connection", "X-Upstream-Hop").putHeader("X-Upstream-Hop", "drop-me").end(answerBody);
        }
      });
    }).listen(0, "127.0.0.1").await();
  }

  public int port() { return server.actualPort(); }

  public String address() { return "127.0.0.1:" + port(); }

  public RecordingUpstream answer(int status, String body) {
    this.behaviour = Behaviour.ANSWER;
    this.status = status;
    this.answerBody = body;
    return this;
  }

  public RecordingUpstream neverAnswer() {
    this.behaviour = Behaviour.NEVER_ANSWER;
    return this;
  }

  public RecordingUpstream probeOnFirstByte(LongSupplier probe) {
    this.probe = probe;
    return this;
  }

  /** Requests received so far (ended or cut). */
  public List<Seen> seen() { return List.copyOf(seen); }

  /** Distinct client connections (remote address:port) seen since start or {@link #reset()}. */
  public Set<String> connections() { return Set.copyOf(connections); }

  public void reset() {
    seen.clear();
    connections.clear();
    answer(200, "");
    probe = () -> -1;
  }

  /** Waits up to {@code millis} for {@code count} recorded requests; returns what there is then. */
  public List<Seen> await(int count, long millis) {
    Await.holdsWithin(Duration.ofMillis(millis), () -> seen.size() >= count);
    return seen();
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
