package io.pushring.proxy;

import io.pushring.ring.Member;
import io.pushring.upstream.Upstream;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * DELETEs of one group on one member, each bounded by a deadline, for what the router does around a
 * push: removing the copy a moved key left on its previous owner, and sending a client's DELETE to
 * every member. A DELETE never fails the push it serves: {@link #delete} always succeeds, with a
 * {@link Result} saying what happened. The path is the group's all-base64 path
 * ({@code GroupingKey.base64Path()}, as the reconciler sends), which names any group exactly.
 *
 * <p>One per router verticle, created on its event loop, with a keep-alive client of its own (a
 * few connections per member: these DELETEs are rare) so a slow previous owner never takes the
 * proxy's connections.
 */
public final class GroupDeleter {
  /** Connections per member and router verticle; further DELETEs queue (within their deadline). */
  static final int POOL_SIZE_PER_MEMBER = 8;

  /** What became of one DELETE. */
  public enum Outcome {
    /** The member answered 2xx (the Pushgateway answers 202 and applies the DELETE right after). */
    OK("ok"),
    /** Refused, reset, or answered something else than 2xx. */
    FAILED("failed"),
    /** No answer within the deadline: the push went on without it. */
    TIMEOUT("timeout");

    private final String label;

    Outcome(String label) { this.label = label; }

    /** The metric label value. */
    public String label() { return label; }
  }

  /** @param detail why it failed (status and body, or the exception), empty when OK */
  public record Result(Member member, Outcome outcome, String detail) {}

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final long timeoutMillis;
  private final Upstream upstream;
  private final MemberAddresses addresses = new MemberAddresses();

  public GroupDeleter(Vertx vertx, Upstream upstream, long timeoutMillis) {
    this.vertx = vertx;
    this.upstream = upstream;
    this.timeoutMillis = timeoutMillis;
    this.client = vertx.createHttpClient(
        upstream.configure(new HttpClientOptions())
            .setKeepAlive(true)
            .setKeepAliveTimeout(30)
            .setTcpNoDelay(true)
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis)),
        new PoolOptions().setHttp1MaxSize(POOL_SIZE_PER_MEMBER));
  }

  /** The deadline of one DELETE, in milliseconds ({@code router.handover-timeout}). */
  public long timeoutMillis() {
    return timeoutMillis;
  }

  /**
   * DELETE {@code base64Path} on {@code member}. Completes within the deadline, never failed: on
   * timeout the request is reset (a previous owner that answers late may or may not have applied it;
   * the reconciler's pass finds what is left).
   */
  public Future<Result> delete(Member member, String base64Path) {
    Promise<Result> done = Promise.promise();
    HttpClientRequest[] sent = new HttpClientRequest[1];
    long deadline = vertx.setTimer(timeoutMillis, id -> {
      if (done.tryComplete(new Result(member, Outcome.TIMEOUT, "no answer within " + timeoutMillis + " ms"))
          && sent[0] != null) {
        sent[0].reset();
      }
    });
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.DELETE)
        .setServer(addresses.of(member))
        .setHost(upstream.tlsHost(member))
        .setPort(member.port())
        .setSsl(upstream.ssl())
        .setURI(base64Path)
        .setTimeout(timeoutMillis);
    client.request(options)
        .compose(req -> {
          sent[0] = req;
          if (upstream.serverName() != null) req.authority(HostAndPort.create(member.host(), member.port()));
          // No client request behind these: the fleet credential when configured, else none.
          String fleet = upstream.credential().authorization();
          if (fleet != null) req.putHeader(HttpHeaders.AUTHORIZATION, fleet);
          req.exceptionHandler(t -> { });   // reported through the response future
          return req.send();
        })
        .compose(resp -> resp.body().map(body -> resp.statusCode() / 100 == 2
            ? new Result(member, Outcome.OK, "")
            : new Result(member, Outcome.FAILED, "answered " + resp.statusCode() + ": " + body.toString().strip())))
        .onComplete(ar -> {
          vertx.cancelTimer(deadline);
          done.tryComplete(ar.succeeded() ? ar.result() : new Result(member, Outcome.FAILED, String.valueOf(ar.cause())));
        });
    return done.future();
  }

  public Future<Void> close() {
    return client.close();
  }
}
