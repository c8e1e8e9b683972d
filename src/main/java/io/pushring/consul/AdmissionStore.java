package io.pushring.consul;

import io.pushring.bus.AdmittedSet;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The admitted set in Consul KV (key {@code consul.admitted-key}): written by the reconciling
 * instance, watched by every instance. Through {@link ConsulApi} like every Consul request (scheme,
 * TLS, the current token, {@code consul.datacenter}); a read blocks with the discovery loop's wait
 * and an HTTP timeout above it. A {@code 403} fails with the ACL rule that is missing.
 */
public final class AdmissionStore {
  /** Bound on a write (a read blocks up to the wait, and has the wait's timeout). */
  private static final long WRITE_TIMEOUT_MILLIS = 10_000;

  /** One read of the key: the set (null when the key does not exist) and the index to block on next. */
  public record Read(AdmittedSet set, long index) {}

  private final ConsulApi consul;
  private final ConsulSettings settings;
  private final String key;

  public AdmissionStore(Vertx vertx, ConsulLink link, String key) {
    this.consul = ConsulApi.create(vertx, link);
    this.settings = link.settings();
    this.key = key;
  }

  public String key() {
    return key;
  }

  /** Writes the set (JSON, {@link AdmittedSet#toJson()}); fails if Consul does not accept it. */
  public Future<Void> put(AdmittedSet set) {
    return withDc(consul.request(HttpMethod.PUT, "/v1/kv/" + key, WRITE_TIMEOUT_MILLIS))
        .sendBuffer(Buffer.buffer(set.toJson().encode()))
        .compose(r -> {
          if (r.statusCode() == 200 && "true".equals(String.valueOf(r.bodyAsString()).trim())) return Future.<Void>succeededFuture();
          if (r.statusCode() == 403) {
            return Future.failedFuture(consul.refused(r, "the reconciler (admitted set)", ConsulAcl.kvWriteRules(key)));
          }
          return Future.failedFuture("Consul refused the write of " + key + ": HTTP " + r.statusCode() + " " + r.bodyAsString());
        });
  }

  /**
   * Reads the key, blocking while its index is still {@code index} when {@code index.blocks()}. A
   * missing key comes back with no index: the caller polls at its token bucket's pace until the
   * reconciler first writes it. A value that is not an admitted set fails the read.
   */
  public Future<Read> read(BlockingIndex index) {
    HttpRequest<Buffer> get = withDc(consul.request(HttpMethod.GET, "/v1/kv/" + key,
        index.blocks() ? settings.httpTimeoutMillis() : WRITE_TIMEOUT_MILLIS));
    if (index.blocks()) {
      get.addQueryParam("index", Long.toUnsignedString(index.value())).addQueryParam("wait", settings.waitParameter());
    }
    return get.send().compose(this::parse);
  }

  private Future<Read> parse(HttpResponse<Buffer> r) {
    if (r.statusCode() == 404) return Future.succeededFuture(new Read(null, 0));
    if (r.statusCode() == 403) return Future.failedFuture(consul.refused(r, "the admitted-set watch", ConsulAcl.kvReadRules(key)));
    if (r.statusCode() != 200) return Future.failedFuture("reading " + key + ": HTTP " + r.statusCode() + " " + r.bodyAsString());
    JsonArray entries = r.bodyAsJsonArray();
    if (entries == null || entries.isEmpty()) return Future.succeededFuture(new Read(null, 0));
    JsonObject entry = entries.getJsonObject(0);
    String value = entry.getString("Value");
    if (value == null) return Future.succeededFuture(new Read(null, 0));
    String json = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
    return Future.succeededFuture(new Read(AdmittedSet.fromJson(json), entry.getLong("ModifyIndex", 0L)));
  }

  private HttpRequest<Buffer> withDc(HttpRequest<Buffer> request) {
    if (!settings.datacenter().isEmpty()) request.addQueryParam("dc", settings.datacenter());
    return request;
  }

  public void close() {
    consul.close();
  }
}
