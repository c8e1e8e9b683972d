package io.pushring.testing.consul;

/**
 * What a secured test Consul runs with: ACLs ({@code aclMasterToken} not null: the 1.4 ACL system,
 * {@code default_policy = "deny"}, that master token) and/or TLS ({@code certs} not null: an HTTPS
 * port beside the HTTP one, serving {@link ConsulCerts#certFile()}). The fixture's own helpers keep
 * using the HTTP port with the master token; the code under test is pointed at the HTTPS port, which
 * with {@code requireClientCert} refuses a TLS handshake without a client certificate of the CA.
 */
public record ConsulSecurity(String aclMasterToken, ConsulCerts certs, boolean requireClientCert) {
  public static final ConsulSecurity NONE = new ConsulSecurity(null, null, false);

  /** {@code requireClientCert}: the HTTPS port asks for a client certificate signed by the CA ({@code verify_incoming_https}). */
  public ConsulSecurity {
    if (requireClientCert && certs == null) throw new IllegalArgumentException("a client certificate needs TLS");
  }

  public boolean secured() {
    return aclMasterToken != null || certs != null;
  }
}
