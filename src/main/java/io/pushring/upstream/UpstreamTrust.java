package io.pushring.upstream;

import io.pushring.tls.CertificateNames;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How pushring trusts a Pushgateway's certificate: the chain must lead to {@code pushgateways.tls.ca-file}
 * (or the JVM's trust store), and the leaf must name {@code pushgateways.tls.server-name}, or, when that
 * is not set, the member's host ({@link CertificateNames}). One trust manager for both clients that
 * speak to Pushgateways (the Vert.x one of proxying and handover, the JDK one of the reconciler), so
 * they cannot disagree. Being an {@link X509ExtendedTrustManager}, JSSE does no endpoint check of its
 * own around it: the name check here is the only one, and it always runs ({@code insecure} aside).
 */
final class UpstreamTrust extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager chain;
  /** Null: each connection's peer host. */
  private final String serverName;
  private final boolean insecure;

  UpstreamTrust(X509ExtendedTrustManager chain, String serverName, boolean insecure) {
    this.chain = chain;
    this.serverName = serverName;
    this.insecure = insecure;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType, SSLEngine engine) throws CertificateException {
    check(certs, authType, engine == null ? null : engine.getPeerHost());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType, Socket socket) throws CertificateException {
    String peer = socket instanceof SSLSocket s && s.getHandshakeSession() != null ? s.getHandshakeSession().getPeerHost() : null;
    check(certs, authType, peer);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType) throws CertificateException {
    check(certs, authType, null);
  }

  private void check(X509Certificate[] certs, String authType, String peerHost) throws CertificateException {
    if (insecure) return;
    if (certs == null || certs.length == 0) throw new CertificateException("the Pushgateway sent no certificate");
    // The two-argument check is chain validation only (no endpoint identification): the name is checked below.
    chain.checkServerTrusted(certs, authType);
    String expected = serverName != null ? serverName : peerHost;
    if (expected == null) {
      throw new CertificateException("no host name to check the Pushgateway's certificate against");
    }
    String mismatch = CertificateNames.mismatch(certs[0], expected);
    if (mismatch != null) {
      throw new CertificateException(mismatch + (serverName != null ? " (pushgateways.tls.server-name)"
          : " (set pushgateways.tls.server-name if the certificates name another host)"));
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType, Socket socket) throws CertificateException {
    throw new CertificateException("pushring's upstream trust is for servers only");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType, SSLEngine engine) throws CertificateException {
    throw new CertificateException("pushring's upstream trust is for servers only");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType) throws CertificateException {
    throw new CertificateException("pushring's upstream trust is for servers only");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return insecure ? new X509Certificate[0] : chain.getAcceptedIssuers();
  }
}
