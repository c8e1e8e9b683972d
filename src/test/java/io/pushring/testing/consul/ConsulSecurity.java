package io.pushring.testing.consul;

/**
 * What a secured test Consul runs with: ACLs ({@code aclMasterToken} not null: the 1.4 ACL system,
 * {@code default_policy = "deny"}, that master token) and/or TLS ({@code certs} not null: an HTTPS
 * port beside the HTTP one, serving {@link ConsulCerts#certFile()}). The fixture's own helpers keep
 * using the HTTP port with the master token; the code under test is pointed at the HTTPS port.
 */
public record ConsulSecurity(String aclMasterToken, ConsulCerts certs) {
  public static final ConsulSecurity NONE = new ConsulSecurity(null, null);

  public boolean secured() {
    return aclMasterToken != null || certs != null;
  }
}
