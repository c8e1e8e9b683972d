package io.pushring.web;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.ServerSSLOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One loaded web configuration: the parsed file, the TLS options built from the certificate files as
 * they were read, the users (with their verdict caches) and the stamps of every file read, by which a
 * later change is noticed. Replaced whole on a reload, never changed.
 *
 * @param ssl the listener's TLS options, null for plain HTTP
 * @param auth null when the file lists no users
 * @param stamps each file read and its stamp from just before it was read
 * @param certificate the served certificate's subject and serial (for the reload log), "" without TLS
 */
public record WebSecurity(Path file, WebConfig config, ServerSSLOptions ssl, BasicAuth auth,
                          Map<Path, FileStamp> stamps, String certificate) {
  public WebSecurity {
    stamps = Map.copyOf(stamps);
  }

  public boolean tls() { return ssl != null; }

  /** Sets TLS on options for a new listener (plain HTTP: unchanged). */
  public HttpServerOptions applyTo(HttpServerOptions options) {
    if (ssl == null) return options;
    options.setSsl(true)
        .setKeyCertOptions(ssl.getKeyCertOptions())
        .setTrustOptions(ssl.getTrustOptions())
        .setClientAuth(ssl.getClientAuth())
        .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
        .setUseAlpn(config.http2())
        .setAlpnVersions(config.http2() ? List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1) : List.of(HttpVersion.HTTP_1_1));
    for (String suite : ssl.getEnabledCipherSuites()) options.addEnabledCipherSuite(suite);
    return options;
  }

  /** Neither users, hashes nor key material. */
  @Override
  public String toString() {
    return "WebSecurity[" + file + ", tls=" + tls() + ", users=" + config.users().size() + "]";
  }
}
