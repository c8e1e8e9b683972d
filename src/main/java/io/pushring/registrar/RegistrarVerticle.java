package io.pushring.registrar;

import io.pushring.config.PushringConfig;
import io.pushring.consul.Backoff;
import io.pushring.consul.ConsulAcl;
import io.pushring.consul.ConsulApi;
import io.pushring.consul.ConsulLink;
import io.pushring.consul.ConsulSettings;
import io.pushring.consul.Registration;
import io.pushring.metrics.PushringMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpResponseExpectation;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers {@code pushgateways.servers} in Consul at start, retrying with backoff until Consul
 * answers, then keeps them registered: every {@code pushgateways.reconcile-interval} it lists the
 * service and re-registers any configured Pushgateway that Consul no longer knows (deregistered
 * after staying critical for {@code check.deregister-after}), so a Pushgateway that comes back
 * rejoins the ring. Registering is idempotent (same ID, same definition): several pushring
 * instances registering one fleet is harmless. Only missing services are re-registered, never
 * present ones, so a registration never resets a check that is passing.
 *
 * <p>Talks to the agent API through {@link ConsulApi} rather than the Vert.x Consul client because
 * the client's {@code CheckOptions} cannot carry the check {@code Timeout}.
 */
public final class RegistrarVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RegistrarVerticle.class);
  static final Backoff BACKOFF = new Backoff(500, 30_000);
  /**
   * Bound on one agent API call. Without it a Consul that accepts the connection but never answers
   * (stalled, or a lost response) would hold a registration for ever: no failure, so no retry.
   */
  static final long REQUEST_TIMEOUT_MILLIS = 10_000;

  private final ConsulLink link;
  private final ConsulSettings consul;
  private final List<Registration> registrations;
  private final long reconcileMillis;
  private final PushringMetrics metrics;
  private ConsulApi client;
  private Runnable stopListening;
  private boolean stopped;
  /** IDs with a registration in flight or waiting for a retry: one retry chain per ID, not one per period. */
  private final Set<String> pending = new HashSet<>();
  /** IDs whose retry chain has logged a refusal of the token (logged once, not per retry). */
  private final Set<String> refusalsLogged = new HashSet<>();
  /** A reconcile listing is in flight: a stalled Consul must not pile one up per period. */
  private boolean reconciling;

  public RegistrarVerticle(PushringConfig config, ConsulLink link, PushringMetrics metrics) {
    this.metrics = metrics;
    this.link = link;
    this.consul = link.settings();
    this.registrations = Registration.from(config);
    this.reconcileMillis = config.pushgateways().reconcileInterval().toMillis();
  }

  @Override
  public Future<?> start() {
    client = ConsulApi.create(vertx, link);
    // Consul's agent keeps the token a service was registered with and syncs the service (and its
    // checks' results) to the catalog with it: once an old token is revoked, a service registered
    // with it is stuck (and a failing sync holds back the agent's others). Registering again with
    // the new token moves it over; a re-registration keeps a check's status.
    io.vertx.core.Context context = vertx.getOrCreateContext();
    stopListening = link.token().onChange(() -> context.runOnContext(v -> {
      if (stopped) return;
      LOG.info("the Consul token changed: registering {} again with it", registrations.stream().map(Registration::id).toList());
      for (Registration r : registrations) {
        if (pending.contains(r.id())) continue; // a retry chain runs: its next attempt sends the new token
        ensureRegistered(r);
      }
    }));
    for (Registration r : registrations) ensureRegistered(r);
    if (!registrations.isEmpty()) vertx.setPeriodic(reconcileMillis, reconcileMillis, t -> reconcile());
    // Start-up does not wait for Consul: discovery keeps routing on what Consul reports meanwhile.
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (stopListening != null) stopListening.run();
    client.close();
    return Future.succeededFuture();
  }

  /** Registers {@code r} (retrying until Consul accepts it) unless that is already under way. */
  private void ensureRegistered(Registration r) {
    if (pending.add(r.id())) register(r, 0);
  }

  private void register(Registration r, int failures) {
    if (stopped) return;
    request(HttpMethod.PUT, "/v1/agent/service/register")
        .sendJsonObject(r.toConsulJson())
        .compose(answer -> answer.statusCode() == 200 ? Future.succeededFuture(answer)
            : Future.failedFuture(answer.statusCode() == 403
                ? client.refused(answer, "the registrar", ConsulAcl.registrarRules(r.service()))
                : new IllegalStateException("HTTP " + answer.statusCode() + ": " + answer.bodyAsString())))
        .onSuccess(ok -> {
          pending.remove(r.id());
          refusalsLogged.remove(r.id());
          metrics.registration(true);
          LOG.info("registered {} in Consul as '{}' (check {} every {})", r.id(), r.service(), r.checkUrl(), r.interval());
        })
        .onFailure(err -> {
          metrics.registration(false);
          // Once per retry chain, and again when Consul starts refusing the token: an ACL problem must be seen.
          boolean refused = err instanceof ConsulAcl.Refused;
          if (failures == 0 || refused && refusalsLogged.add(r.id())) {
            if (refused) refusalsLogged.add(r.id());
            LOG.warn("registering {} in Consul failed, retrying with backoff: {}", r.id(), ConsulApi.describe(err));
          }
          vertx.setTimer(BACKOFF.delayMillis(failures + 1, ThreadLocalRandom.current()::nextDouble),
              t -> register(r, failures + 1));
        });
  }

  /** Re-registers configured Pushgateways that Consul has dropped. */
  private void reconcile() {
    if (stopped || reconciling) return;
    reconciling = true;
    HttpRequest<Buffer> list = request(HttpMethod.GET, "/v1/health/service/" + consul.service());
    if (!consul.datacenter().isEmpty()) list.addQueryParam("dc", consul.datacenter());
    list.send()
        .onComplete(done -> reconciling = false)
        .expecting(HttpResponseExpectation.SC_OK)
        .map(HttpResponse::bodyAsJsonArray)
        .onSuccess(entries -> {
          Set<String> known = ids(entries);
          for (Registration r : registrations) {
            if (!known.contains(r.id()) && !pending.contains(r.id())) {
              LOG.info("{} is no longer registered in Consul (deregistered while critical): registering it again", r.id());
              ensureRegistered(r);
            }
          }
        });
    // A failure here is the discovery loop's to report; the next period tries again.
  }

  private HttpRequest<Buffer> request(HttpMethod method, String uri) {
    return client.request(method, uri, REQUEST_TIMEOUT_MILLIS);
  }

  private static Set<String> ids(JsonArray entries) {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      var service = entries.getJsonObject(i).getJsonObject("Service");
      if (service != null) ids.add(service.getString("ID"));
    }
    return ids;
  }
}
