package io.pushring.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.testing.TestPki;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CertificateNamesTest {
  @ParameterizedTest(name = "{0} vs {1}: {2}")
  @CsvSource({
      "pg.internal,        pg.internal,       true",
      "PG.Internal,        pg.internal,       true",
      "pg.internal,        pg.internal.,      true",
      "pg.internal.,       pg.internal,       false",
      "*,                  pg,                false",
      "*.fleet.internal,   pg-1.fleet.internal, true",
      "*.fleet.internal,   fleet.internal,    false",
      "*.fleet.internal,   a.b.fleet.internal, false",
      "*.internal,         pg.internal,       true",
      "*.,                 pg.,               false",
      "pg-*.internal,      pg-1.internal,     false",
  })
  void dnsNamesMatchAsGoDoes(String pattern, String name, boolean matches) {
    assertThat(CertificateNames.matches(pattern, name)).isEqualTo(matches);
  }

  @Test
  void ipLiteralsMatchIpSansOnlyAndTheCnIsNeverUsed() {
    TestPki.Ca ca = TestPki.ca("names CA");
    X509Certificate both = ca.issue("127.0.0.1", "pg.internal", "::1").certificate();
    assertThat(CertificateNames.mismatch(both, "127.0.0.1")).isNull();
    assertThat(CertificateNames.mismatch(both, "[::1]")).isNull();
    assertThat(CertificateNames.mismatch(both, "0:0:0:0:0:0:0:1")).isNull();
    assertThat(CertificateNames.mismatch(both, "pg.internal")).isNull();
    assertThat(CertificateNames.mismatch(both, "10.0.0.7")).isEqualTo("certificate is valid for 127.0.0.1, pg.internal, 0:0:0:0:0:0:0:1, not 10.0.0.7");
    // A DNS SAN spelling an address does not match that address (Go: IP SANs only).
    X509Certificate dnsOnly = ca.issue("pg.internal").certificate();
    assertThat(CertificateNames.mismatch(dnsOnly, "127.0.0.1")).contains("not 127.0.0.1");
    // CN=nameless and no SAN: nothing matches, not even the CN.
    X509Certificate nameless = ca.issue().certificate();
    assertThat(CertificateNames.mismatch(nameless, "nameless")).contains("no subject alternative name");
  }
}
