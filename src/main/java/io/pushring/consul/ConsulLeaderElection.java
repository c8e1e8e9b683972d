package io.pushring.consul;

import io.pushring.config.Durations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of {@link LeaderLock}: creates the session, renews it every TTL/2, acquires the key,
 * watches it with blocking reads, and on {@link #stop()} releases the key and destroys the session so
 * that another instance takes over at once (a voluntary release has no lock-delay). Everything it
 * learns goes into the {@link LeaderLock}; each gain or loss of leadership is logged in one line and
 * handed to the listener. Runs on the context that calls {@link #start}; {@link #leadership()} may be
 * read from any thread.
 *
 * <p>Two independent chains: the renew timer (every TTL/2, sooner after a failure; a {@code 404}
 * ends the session) and the lock loop (create a session, acquire, read the key, block until it
 * changes, decide again). Blocking reads pass a token bucket as discovery's do; failures back off.
 * The lock lives in the datacenter of the agent this instance talks to ({@code consul.datacenter}
 * is not applied: a session belongs to a node of that agent's datacenter).
 */
public final class ConsulLeaderElection {
  private static final Logger LOG = LoggerFactory.getLogger(ConsulLeaderElection.class);
  static final Backoff BACKOFF = new Backoff(250, 5_000);

  private final Vertx vertx;
  private final ConsulApi consul;
  private final LeaderLock lock;
  private final String sessionName;
  private final Consumer<LeaderLock.Change> listener;
  private final Runnable holderChanged;
  private final TokenBucket bucket = new TokenBucket(2, 1.0, System.nanoTime());
  private long renewTimer = -1;
  private long expiryTimer = -1;
  private long loopTimer = -1;
  private int loopFailures;
  /** A refusal was logged in the current run of loop failures. */
  private boolean refusalLogged;
  private int renewFailures;

  private ConsulLeaderElection(Vertx vertx, ConsulLink consul, LeaderLock.Settings settings,
      Consumer<LeaderLock.Change> listener, Runnable holderChanged) {
    this.vertx = vertx;
    this.consul = ConsulApi.create(vertx, consul);
    this.lock = new LeaderLock(settings);
    this.sessionName = "pushring reconcile leader " + settings.identity();
    this.listener = listener;
    this.holderChanged = holderChanged;
  }

  /**
   * Starts taking part in the election on the calling context. The identity written into the key is
   * {@code {"host":..,"pid":..,"httpPort":..}}; the host name is looked up off the event loop.
   * Completes at once: leadership comes later, each gain or loss handed to {@code listener}; a change
   * of the lock's holder as read from the key (who leads, when it is another instance) runs
   * {@code holderChanged}.
   */
  public static Future<ConsulLeaderElection> start(Vertx vertx, ConsulLink consul, String key,
      Duration ttl, Duration lockDelay, int httpPort, Consumer<LeaderLock.Change> listener, Runnable holderChanged) {
    return vertx.executeBlocking(ConsulLeaderElection::hostName).map(host -> {
      String identity = identity(host, ProcessHandle.current().pid(), httpPort);
      ConsulLeaderElection election = new ConsulLeaderElection(vertx, consul,
          new LeaderLock.Settings(key, ttl, lockDelay, identity), listener, holderChanged);
      LOG.info("reconcile leader election on Consul key {} (session TTL {}, lock-delay {}) as {}", key,
          Durations.format(ttl), Durations.format(lockDelay), identity);
      election.loop(false);
      return election;
    });
  }

  /** What operators read in the key: who leads. */
  static String identity(String host, long pid, int httpPort) {
    return new JsonObject().put("host", host).put("pid", pid).put("httpPort", httpPort).encode();
  }

  public Leadership leadership() {
    return lock.leadership();
  }

  public LeaderLock.Settings settings() {
    return lock.settings();
  }

  /**
   * Leadership ends now (no write after this call), then the key is released and the session
   * destroyed, each bounded by the request timeout; completes when both are answered or failed.
   */
  public Future<Void> stop() {
    announce(lock.stop(System.nanoTime()));
    cancel(renewTimer);
    cancel(expiryTimer);
    cancel(loopTimer);
    String id = lock.session();
    if (id.isEmpty()) {
      consul.close();
      return Future.succeededFuture();
    }
    long timeout = lock.settings().requestTimeoutMillis();
    // Release first: destroying a session that still holds the key would start the lock-delay.
    return consul.request(HttpMethod.PUT, kvPath() + "?release=" + id, timeout).send()
        .transform(released -> consul.request(HttpMethod.PUT, "/v1/session/destroy/" + id, timeout).send())
        .<Void>transform(destroyed -> {
          if (destroyed.failed()) {
            LOG.warn("reconcile leader election: destroying session {} failed ({}); Consul ends it within 2 x TTL",
                id, destroyed.cause().toString());
          }
          consul.close();
          return Future.succeededFuture();
        });
  }

  // ---- the lock loop ----

  private void loop(boolean blocking) {
    loopTimer = -1;
    if (lock.stopped()) return;
    if (lock.session().isEmpty()) {
      createSession();
      return;
    }
    boolean blocks = blocking && lock.index().blocks();
    if (blocks) {
      long waitNanos = bucket.tryTake(System.nanoTime());
      if (waitNanos > 0) {
        loopTimer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos)), t -> loop(true));
        return;
      }
    }
    ConsulSettings settings = consul.settings();
    HttpRequest<Buffer> read = consul.request(HttpMethod.GET, kvPath(),
        blocks ? settings.httpTimeoutMillis() : lock.settings().requestTimeoutMillis());
    if (blocks) {
      read.addQueryParam("index", Long.toUnsignedString(lock.index().value()))
          .addQueryParam("wait", settings.waitParameter());
    }
    read.send().onComplete(ar -> {
      if (lock.stopped()) return;
      LockEntry entry;
      try {
        if (ar.failed()) throw ar.cause();
        HttpResponse<Buffer> r = ar.result();
        if (r.statusCode() == 403) throw refused(r);
        entry = LockEntry.parse(r.statusCode(), r.getHeader("X-Consul-Index"), r.bodyAsString());
      } catch (Throwable e) {
        loopFailed("reading " + lock.settings().key(), e);
        return;
      }
      loopAnswered();
      String holderBefore = lock.leadership().holder();
      LeaderLock.Decision decision = lock.keyRead(entry, System.nanoTime());
      announce(decision.change());
      if (decision.change() == null && !holderBefore.equals(lock.leadership().holder())) holderChanged.run();
      switch (decision.step()) {
        case CREATE_SESSION -> createSession();
        case ACQUIRE -> acquire();
        case WATCH -> loop(true);
      }
    });
  }

  private void createSession() {
    long sent = System.nanoTime();
    consul.request(HttpMethod.PUT, "/v1/session/create", lock.settings().requestTimeoutMillis())
        .sendJsonObject(lock.settings().sessionBody(sessionName))
        .onComplete(ar -> {
          String id;
          try {
            if (ar.failed()) throw ar.cause();
            HttpResponse<Buffer> r = ar.result();
            if (r.statusCode() == 403) throw refused(r);
            if (r.statusCode() != 200) throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.bodyAsString());
            id = new JsonObject(r.bodyAsString()).getString("ID");
            if (id == null || id.isEmpty()) throw new IllegalStateException("no ID in " + r.bodyAsString());
          } catch (Throwable e) {
            if (!lock.stopped()) loopFailed("creating a session", e);
            return;
          }
          if (lock.stopped()) { // created while stopping: do not leave it behind for 2 x TTL
            consul.request(HttpMethod.PUT, "/v1/session/destroy/" + id, lock.settings().requestTimeoutMillis()).send();
            return;
          }
          lock.sessionCreated(id, sent);
          renewFailures = 0;
          renewIn(lock.settings().renewEveryMillis());
          acquire();
        });
  }

  private void acquire() {
    String id = lock.session();
    consul.request(HttpMethod.PUT, kvPath() + "?acquire=" + id, lock.settings().requestTimeoutMillis())
        .sendBuffer(Buffer.buffer(lock.settings().identity()))
        .onComplete(ar -> {
          if (lock.stopped()) return;
          if (ar.failed()) {
            loopFailed("acquiring " + lock.settings().key(), ar.cause());
            return;
          }
          HttpResponse<Buffer> r = ar.result();
          String body = String.valueOf(r.bodyAsString()).trim();
          if (r.statusCode() == 200) {
            loopAnswered();
            boolean ok = "true".equals(body);
            announce(lock.acquired(id, ok, System.nanoTime()));
            armExpiry();
            if (ok) loop(true); // the acquire moved the key's index: this read answers at once
            else loopTimer = vertx.setTimer(lock.settings().acquireRetryMillis(), t -> loop(false));
          } else if (r.statusCode() == 500 && body.contains("invalid session")) {
            loopAnswered();
            announce(lock.sessionGone(id, "session " + id + " is gone (acquire answered: " + body + ")", System.nanoTime()));
            loop(false);
          } else if (r.statusCode() == 403) {
            loopFailed("acquiring " + lock.settings().key(), refused(r));
          } else {
            loopFailed("acquiring " + lock.settings().key(), new IllegalStateException("HTTP " + r.statusCode() + ": " + body));
          }
        });
  }

  private void loopAnswered() {
    refusalLogged = false;
    if (loopFailures > 0) LOG.info("reconcile leader election: Consul answers again after {} failed requests", loopFailures);
    loopFailures = 0;
  }

  private void loopFailed(String what, Throwable cause) {
    loopFailures++;
    // Once per run of failures, and again when Consul starts refusing the token (a refusal needs an
    // operator; it often follows a first timeout or a connection error).
    boolean refused = cause instanceof ConsulAcl.Refused;
    if (loopFailures == 1 || refused && !refusalLogged) {
      refusalLogged = refused;
      LOG.warn("reconcile leader election: {} failed, retrying with backoff: {}", what,
          ConsulApi.describe(cause));
    }
    loopTimer = vertx.setTimer(BACKOFF.delayMillis(loopFailures, ThreadLocalRandom.current()::nextDouble), t -> loop(false));
  }

  // ---- the session renew chain ----

  private void renew() {
    renewTimer = -1;
    String id = lock.session();
    if (id.isEmpty() || lock.stopped()) return;
    long sent = System.nanoTime();
    consul.request(HttpMethod.PUT, "/v1/session/renew/" + id, lock.settings().requestTimeoutMillis()).send()
        .onComplete(ar -> {
          if (lock.stopped() || !id.equals(lock.session())) return; // replaced meanwhile: its own chain runs
          long now = System.nanoTime();
          if (ar.succeeded() && ar.result().statusCode() == 200) {
            if (renewFailures > 0) LOG.info("reconcile leader election: session {} renewed again after {} failures", id, renewFailures);
            renewFailures = 0;
            announce(lock.renewed(id, sent, now));
            armExpiry();
            renewIn(lock.settings().renewEveryMillis());
          } else if (ar.succeeded() && ar.result().statusCode() == 404) {
            announce(lock.sessionGone(id, "session " + id + " was invalidated by Consul (renew answered 404)", now));
          } else {
            renewFailures++;
            if (renewFailures == 1) {
              LOG.warn("reconcile leader election: renewing session {} failed, retrying: {}", id,
                  ar.failed() ? ar.cause().toString() : ar.result().statusCode() == 403 ? refused(ar.result()).getMessage()
                      : "HTTP " + ar.result().statusCode() + ": " + ar.result().bodyAsString());
            }
            renewIn(lock.settings().renewRetryMillis());
          }
        });
  }

  /** One renew chain at a time, whatever session it is for. */
  private void renewIn(long millis) {
    cancel(renewTimer);
    renewTimer = vertx.setTimer(millis, t -> renew());
  }

  /** A timer at the moment the session stops being surely valid, so the loss is announced then. */
  private void armExpiry() {
    cancel(expiryTimer);
    expiryTimer = -1;
    Leadership l = lock.leadership();
    if (!l.holding()) return;
    long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(l.validUntilNanos() - System.nanoTime()) + 1);
    expiryTimer = vertx.setTimer(millis, t -> {
      expiryTimer = -1;
      announce(lock.expire(System.nanoTime()));
    });
  }

  private void announce(LeaderLock.Change change) {
    if (change == null) return;
    if (change.gained()) {
      LOG.info("reconcile leadership gained: {}; this instance ({}) runs the reconcile passes",
          change.reason(), lock.settings().identity());
    } else if (lock.stopped()) {
      LOG.info("reconcile leadership handed over: {}; releasing the lock", change.reason());
    } else {
      LOG.warn("reconcile leadership lost: {}; no reconcile write from this instance from now on", change.reason());
    }
    listener.accept(change);
  }

  private ConsulAcl.Refused refused(HttpResponse<Buffer> answer) {
    return consul.refused(answer, "the reconcile lock", ConsulAcl.lockRules(lock.settings().key()));
  }

  private String kvPath() {
    return "/v1/kv/" + lock.settings().key();
  }

  private void cancel(long timer) {
    if (timer >= 0) vertx.cancelTimer(timer);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      String env = System.getenv("HOSTNAME");
      return env == null || env.isBlank() ? "unknown-host" : env;
    }
  }
}
