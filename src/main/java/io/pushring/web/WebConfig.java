package io.pushring.web;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Prometheus web configuration file ({@code --web.config.file}) as pushring enforces it, an
 * immutable value built by {@link WebConfigParser}: the schema of the exporter-toolkit that
 * Pushgateway 1.5.1 embeds. File paths are absolute (relative ones were resolved against the
 * file's directory, as the toolkit does); nothing here has touched the files they name.
 *
 * @param tls {@code tls_server_config}, empty when the file configures no TLS (plain HTTP)
 * @param users {@code basic_auth_users}: user name to bcrypt hash; empty = no authentication
 * @param headers {@code http_server_config.headers}, set on every answer
 * @param http2 {@code http_server_config.http2} (default true): offer h2 through ALPN over TLS
 */
public record WebConfig(Optional<Tls> tls, Map<String, String> users, Map<String, String> headers, boolean http2) {
  public WebConfig {
    users = Map.copyOf(users);
    headers = Map.copyOf(headers);
  }

  /** The user names, never the hashes (this record is printed nowhere, but a toString must not leak). */
  @Override
  public String toString() {
    return "WebConfig[tls=" + tls + ", users=" + users.keySet() + ", headers=" + headers + ", http2=" + http2 + "]";
  }

  /** Go's {@code tls.ClientAuthType} names, with how a JDK server reproduces each. */
  public enum ClientAuth {
    /** No certificate asked for. */
    NO_CLIENT_CERT("NoClientCert"),
    /** Asked for, not required, not verified (any certificate is accepted). */
    REQUEST_CLIENT_CERT("RequestClientCert"),
    /** Required, not verified (any certificate is accepted). */
    REQUIRE_ANY_CLIENT_CERT("RequireAnyClientCert"),
    /** Asked for; verified against the client CAs when given. */
    VERIFY_CLIENT_CERT_IF_GIVEN("VerifyClientCertIfGiven"),
    /** Required and verified against the client CAs. */
    REQUIRE_AND_VERIFY_CLIENT_CERT("RequireAndVerifyClientCert");

    private final String configName;

    ClientAuth(String configName) { this.configName = configName; }

    public String configName() { return configName; }

    /** Whether the certificate a client presents is checked against a CA (else any is accepted). */
    public boolean verifies() {
      return this == VERIFY_CLIENT_CERT_IF_GIVEN || this == REQUIRE_AND_VERIFY_CLIENT_CERT;
    }

    public boolean requires() {
      return this == REQUIRE_ANY_CLIENT_CERT || this == REQUIRE_AND_VERIFY_CLIENT_CERT;
    }
  }

  /** Go's {@code min_version}/{@code max_version} names and the JDK protocol each stands for. */
  public enum TlsVersion {
    TLS10("TLSv1"), TLS11("TLSv1.1"), TLS12("TLSv1.2"), TLS13("TLSv1.3");

    private final String jdkName;

    TlsVersion(String jdkName) { this.jdkName = jdkName; }

    public String jdkName() { return jdkName; }
  }

  /**
   * {@code tls_server_config}.
   *
   * @param clientCaFile empty when not given
   * @param cipherSuites IANA names (Go's and the JDK's are the same), in the file's order; empty = the defaults
   * @param curves JDK named-group names ({@code secp256r1}, {@code x25519}, ...), in the file's order; empty = the defaults
   * @param preferServerCipherSuites accepted for compatibility; Go has ignored it since 1.18, so does pushring
   */
  public record Tls(Path certFile, Path keyFile, ClientAuth clientAuth, Optional<Path> clientCaFile,
                    TlsVersion minVersion, TlsVersion maxVersion, List<String> cipherSuites, List<String> curves,
                    boolean preferServerCipherSuites) {
    public Tls {
      cipherSuites = List.copyOf(cipherSuites);
      curves = List.copyOf(curves);
    }

    /** The files whose change means a reload: cert, key and, when given, the client CAs. */
    public List<Path> files() {
      return clientCaFile.map(ca -> List.of(certFile, keyFile, ca)).orElse(List.of(certFile, keyFile));
    }
  }
}
