package io.pushring.upstream;

import io.pushring.config.ConfigException;
import io.pushring.config.ConfigKeys;
import io.pushring.tls.CaTrust;
import io.pushring.config.PushringConfig;
import io.pushring.ring.Member;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509KeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How pushring reaches its Pushgateways: the scheme, the TLS material of {@code pushgateways.tls.*}
 * (trust, optional client certificate, the name certificates must carry) and the
 * {@link FleetCredential}. Built once at start ({@link #load}, blocking: it reads files) and shared,
 * immutable apart from the credential's rotation, by every client that speaks to a Pushgateway:
 * proxying, handover and fan-out DELETEs ({@link #configure}) and the reconciler ({@link #sslContext}).
 */
public final class Upstream {
  private static final Logger LOG = LoggerFactory.getLogger(Upstream.class);
  /** How often the credential file is looked at: a rotation reaches the Pushgateways within this. */
  static final long CREDENTIAL_POLL_MILLIS = 1_000;

  private final boolean ssl;
  private final String serverName;          // null: each member's host
  private final UpstreamTrust trust;        // null when http
  private final X509KeyManager keyManager;  // null: no client certificate
  private final FleetCredential credential;

  private Upstream(boolean ssl, String serverName, UpstreamTrust trust, X509KeyManager keyManager, FleetCredential credential) {
    this.ssl = ssl;
    this.serverName = serverName;
    this.trust = trust;
    this.keyManager = keyManager;
    this.credential = credential;
  }

  /** Plain http, no fleet credential (the defaults). */
  public static Upstream plain() {
    return new Upstream(false, null, null, null, FleetCredential.none());
  }

  /**
   * Reads the files {@code pushgateways.tls.*} and the credential keys name. Blocking; a file that
   * cannot be read or parsed is a {@link ConfigException} naming its key (exit 2 at start).
   */
  public static Upstream load(Vertx vertx, PushringConfig.Pushgateways config) {
    FleetCredential credential = FleetCredential.load(config.auth());
    if (!config.https()) return new Upstream(false, null, null, null, credential);
    PushringConfig.UpstreamTls tls = config.tls();
    String serverName = tls.serverName().isEmpty() ? null : tls.serverName();
    UpstreamTrust trust = new UpstreamTrust(chainTrust(tls.caFile()), serverName, tls.insecureSkipVerify());
    X509KeyManager keyManager = tls.certFile().isEmpty() ? null : keyManager(vertx, tls.certFile(), tls.keyFile());
    return new Upstream(true, serverName, trust, keyManager, credential);
  }

  private static X509ExtendedTrustManager chainTrust(String caFile) {
    try {
      return CaTrust.of(caFile);
    } catch (CaTrust.Unusable e) {
      throw new ConfigException(ConfigKeys.PUSHGATEWAYS_TLS_CA_FILE.path(), e.getMessage());
    }
  }

  private static X509KeyManager keyManager(Vertx vertx, String certFile, String keyFile) {
    String key = ConfigKeys.PUSHGATEWAYS_TLS_CERT_FILE.path();
    for (String[] f : new String[][] {{certFile, key}, {keyFile, ConfigKeys.PUSHGATEWAYS_TLS_KEY_FILE.path()}}) {
      if (!Files.isReadable(Path.of(f[0]))) throw new ConfigException(f[1], "cannot read " + f[0]);
    }
    try {
      // Vert.x's PEM reader: PKCS#8, PKCS#1 (RSA) and SEC1 (EC) keys, as Go's tls.LoadX509KeyPair.
      KeyManagerFactory factory = new PemKeyCertOptions().setCertPath(certFile).setKeyPath(keyFile).getKeyManagerFactory(vertx);
      for (KeyManager km : factory.getKeyManagers()) {
        if (km instanceof X509KeyManager x) return x;
      }
      throw new ConfigException(key, "no key manager for " + certFile);
    } catch (ConfigException e) {
      throw e;
    } catch (Exception e) {
      throw new ConfigException(key, "cannot load " + certFile + " with " + ConfigKeys.PUSHGATEWAYS_TLS_KEY_FILE.path()
          + " " + keyFile + ": " + e.getMessage());
    }
  }

  public boolean ssl() {
    return ssl;
  }

  public String scheme() {
    return ssl ? "https" : "http";
  }

  /** {@code pushgateways.tls.server-name}, or null (each member's host). */
  public String serverName() {
    return serverName;
  }

  public FleetCredential credential() {
    return credential;
  }

  /**
   * The host a request's TLS peer name is taken from (Vert.x checks and sends SNI for the request's
   * host, connecting to its server address): the server name when one is set, else the member's host.
   */
  public String tlsHost(Member member) {
    return serverName != null ? serverName : member.host();
  }

  /** {@code options} made to speak to the Pushgateways: TLS with this trust and client certificate when https. */
  public HttpClientOptions configure(HttpClientOptions options) {
    if (!ssl) return options;
    options.setSsl(true)
        // The name is checked by UpstreamTrust (the server name when set); Vert.x's own check would use the host only.
        .setVerifyHost(false)
        .setTrustOptions(TrustOptions.wrap(trust))
        // With a server name, send it as SNI too (as Go's tls.Config.ServerName does).
        .setForceSni(serverName != null);
    if (keyManager != null) options.setKeyCertOptions(KeyCertOptions.wrap(keyManager));
    return options;
  }

  /** For the JDK client of the reconciler: the same trust and client certificate. Null when http. */
  public SSLContext sslContext() {
    if (!ssl) return null;
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManager == null ? null : new KeyManager[] {keyManager}, new TrustManager[] {trust}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("TLS context for the Pushgateways", e);
    }
  }

  /**
   * Re-reads the credential file every {@link #CREDENTIAL_POLL_MILLIS} on a worker thread (never on an
   * event loop), so a rotated password or token is sent from the next request on. Nothing when no
   * credential is configured.
   */
  public void watchCredential(Vertx vertx) {
    if (!credential.configured()) return;
    java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean();
    vertx.setPeriodic(CREDENTIAL_POLL_MILLIS, id -> vertx.executeBlocking(() -> {
      try {
        if (credential.refresh()) LOG.info("fleet credential re-read from {} (changed)", credential.file());
        if (failing.compareAndSet(true, false)) LOG.info("fleet credential: {} readable again", credential.file());
      } catch (IOException e) {
        // Once per failure streak, not once a second.
        if (failing.compareAndSet(false, true)) LOG.warn("fleet credential: {}; the last one read stays in use", e.getMessage());
      }
      return null;
    }, false));
  }
}
