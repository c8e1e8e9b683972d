package io.pushring.consul;

import io.pushring.config.PushringConfig;
import io.pushring.tls.CaTrust;
import io.pushring.tls.CertificateNames;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS side of the Consul link ({@code consul.scheme: https}, {@code consul.tls.*}), read once at
 * start on a worker thread ({@link #load}) and applied to every Consul client ({@link #apply}).
 *
 * <ul>
 *   <li>{@code ca-file}: the CAs trusted for Consul's certificate (else the JVM's trust store);
 *   <li>{@code cert-file} + {@code key-file}: the client certificate Consul asks for with
 *       {@code verify_incoming};
 *   <li>{@code server-name}: the name checked in Consul's certificate instead of the host of
 *       {@code consul.address} (an agent reached by IP whose certificate names
 *       {@code server.dc1.consul}, as Consul's own CLI does with {@code CONSUL_TLS_SERVER_NAME}):
 *       the chain is checked against the CAs, then the name against the certificate's DNS and IP
 *       subject alternative names (no common-name fallback, as Go's TLS);
 *   <li>{@code insecure-skip-verify}: no check at all, for tests.
 * </ul>
 */
public final class ConsulTls {
  private final boolean enabled;
  private final TrustOptions trust;
  private final KeyCertOptions keyCert;
  private final boolean verifyHost;
  private final boolean trustAll;

  private ConsulTls(boolean enabled, TrustOptions trust, KeyCertOptions keyCert, boolean verifyHost, boolean trustAll) {
    this.enabled = enabled;
    this.trust = trust;
    this.keyCert = keyCert;
    this.verifyHost = verifyHost;
    this.trustAll = trustAll;
  }

  /** Reads the files; blocking. Fails with a message naming the key and the file. */
  public static ConsulTls load(ConsulSettings settings) {
    PushringConfig.ConsulTls t = settings.tls();
    if (!settings.https()) return new ConsulTls(false, null, null, false, false);
    if (t.certFile().isEmpty() != t.keyFile().isEmpty()) {
      throw new IllegalStateException("consul.tls.cert-file and consul.tls.key-file go together: set both or neither");
    }
    KeyCertOptions keyCert = null;
    if (!t.certFile().isEmpty()) {
      keyCert = new PemKeyCertOptions()
          .setCertValue(Buffer.buffer(read("consul.tls.cert-file", t.certFile())))
          .setKeyValue(Buffer.buffer(read("consul.tls.key-file", t.keyFile())));
    }
    if (t.insecureSkipVerify()) return new ConsulTls(true, null, keyCert, false, true);
    X509TrustManager cas = trustManager(t.caFile());
    if (t.serverName().isEmpty()) return new ConsulTls(true, TrustOptions.wrap(cas), keyCert, true, false);
    return new ConsulTls(true, TrustOptions.wrap(new ServerNameTrustManager(cas, t.serverName())), keyCert, false, false);
  }

  public void apply(WebClientOptions options) {
    options.setSsl(enabled);
    if (!enabled) return;
    options.setVerifyHost(verifyHost).setTrustAll(trustAll);
    if (trust != null) options.setTrustOptions(trust);
    if (keyCert != null) options.setKeyCertOptions(keyCert);
  }

  private static byte[] read(String key, String file) {
    try {
      return Files.readAllBytes(Path.of(file));
    } catch (IOException e) {
      throw new IllegalStateException(key + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** The CAs of {@code caFile} ("" = the JVM's default trust store). */
  private static X509TrustManager trustManager(String caFile) {
    try {
      return CaTrust.of(caFile);
    } catch (CaTrust.Unusable e) {
      throw new IllegalStateException("consul.tls.ca-file: " + e.getMessage());
    }
  }

  /** Does {@code cert} name {@code name}? Go's rule, the one every verified link uses ({@link CertificateNames}). */
  static boolean matches(X509Certificate cert, String name) {
    return CertificateNames.mismatch(cert, name) == null;
  }

  /** The chain against the CAs, then {@code consul.tls.server-name} against the leaf. */
  private static final class ServerNameTrustManager extends X509ExtendedTrustManager {
    private final X509TrustManager cas;
    private final String serverName;

    ServerNameTrustManager(X509TrustManager cas, String serverName) {
      this.cas = cas;
      this.serverName = serverName;
    }

    private void check(X509Certificate[] chain, String authType) throws CertificateException {
      cas.checkServerTrusted(chain, authType);
      if (!matches(chain[0], serverName)) {
        List<String> names = new ArrayList<>();
        Collection<List<?>> sans = chain[0].getSubjectAlternativeNames();
        if (sans != null) for (List<?> san : sans) names.add(String.valueOf(san.get(1)));
        throw new CertificateException("Consul's certificate is not valid for consul.tls.server-name " + serverName
            + " (it names " + names + ")");
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      check(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      check(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      check(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a client-side trust manager");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      throw new CertificateException("a client-side trust manager");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      throw new CertificateException("a client-side trust manager");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return cas.getAcceptedIssuers();
    }
  }
}
