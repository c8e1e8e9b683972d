package io.pushring.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.config.PushringConfig.RouterMode;
import io.pushring.router.RedirectPolicy.Rule;
import io.pushring.testing.TestConfig;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RedirectPolicyTest {
  private static final List<String> DEFAULT_AGENTS = List.of("Go-http-client/", "Java/");
  private final RedirectPolicy auto = new RedirectPolicy(RouterMode.AUTO, DEFAULT_AGENTS, "http", 308);

  /** User-Agents as the real clients send them (seen by ClientMatrixTest's recording upstream). */
  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(delimiter = '|', nullValues = "NULL", value = {
      "Go-http-client/1.1                         | REDIRECT_CLIENT_FOLLOWS",
      "Java/17.0.13                               | REDIRECT_CLIENT_FOLLOWS",
      "Java/21                                    | REDIRECT_CLIENT_FOLLOWS",
      "Java-http-client/17.0.13                   | PROXY_UNKNOWN_CLIENT",
      "Python-urllib/3.11                         | PROXY_UNKNOWN_CLIENT",
      "curl/7.88.1                                | PROXY_UNKNOWN_CLIENT",
      "Apache-HttpClient/4.5.14 (Java/17.0.13)    | PROXY_UNKNOWN_CLIENT",
      "go-http-client/1.1                         | PROXY_UNKNOWN_CLIENT",
      "''                                         | PROXY_UNKNOWN_CLIENT",
      "NULL                                       | PROXY_UNKNOWN_CLIENT",
  })
  void autoJudgesTheUserAgentByPrefix(String userAgent, Rule expected) {
    assertThat(auto.decide(userAgent, false, "http")).isEqualTo(expected);
  }

  @Test
  void autoProxiesAuthorizedPushesEvenFromClientsThatFollow() {
    assertThat(auto.decide("Go-http-client/1.1", true, "http")).isEqualTo(Rule.PROXY_AUTHORIZATION);
    assertThat(auto.decide("Java/17", true, "https")).isEqualTo(Rule.PROXY_AUTHORIZATION);
  }

  @Test
  void autoProxiesWhenTheSchemeWouldChange() {
    assertThat(auto.decide("Java/17", false, "https")).isEqualTo(Rule.PROXY_SCHEME_CHANGE);
    RedirectPolicy toHttps = new RedirectPolicy(RouterMode.AUTO, DEFAULT_AGENTS, "https", 307);
    assertThat(toHttps.decide("Java/17", false, "http")).isEqualTo(Rule.PROXY_SCHEME_CHANGE);
    assertThat(toHttps.decide("Java/17", false, "HTTPS")).isEqualTo(Rule.REDIRECT_CLIENT_FOLLOWS);
  }

  @Test
  void autoProxiesEveryPushWhenTheFleetHasACredential() {
    RedirectPolicy fleet = new RedirectPolicy(RouterMode.AUTO, DEFAULT_AGENTS, "http", 307, true);
    assertThat(fleet.decide("Go-http-client/1.1", false, "http")).isEqualTo(Rule.PROXY_FLEET_CREDENTIAL);
    assertThat(fleet.decide("Java/17", true, "http")).isEqualTo(Rule.PROXY_FLEET_CREDENTIAL);
    assertThat(RedirectPolicy.from(TestConfig.staticMembers("127.0.0.1:9091", "PUSHRING_ROUTER_MODE", "auto",
        "PUSHRING_PUSHGATEWAYS_BEARER_TOKEN_FILE", "/run/token")).decide("Go-http-client/1.1", false, "http"))
        .isEqualTo(Rule.PROXY_FLEET_CREDENTIAL);
    // Redirect mode still redirects: its clients reach the Pushgateways with their own credentials.
    assertThat(new RedirectPolicy(RouterMode.REDIRECT, DEFAULT_AGENTS, "http", 307, true).decide("curl/8", false, "http"))
        .isEqualTo(Rule.REDIRECT_MODE);
  }

  @Test
  void autoAlwaysRedirectsWith307RedirectModeWithTheConfiguredStatus() {
    assertThat(auto.redirectStatus()).isEqualTo(307);
    assertThat(new RedirectPolicy(RouterMode.REDIRECT, DEFAULT_AGENTS, "http", 308).redirectStatus()).isEqualTo(308);
  }

  @Test
  void fixedModesIgnoreTheRequest() {
    RedirectPolicy redirect = new RedirectPolicy(RouterMode.REDIRECT, DEFAULT_AGENTS, "http", 307);
    RedirectPolicy proxy = new RedirectPolicy(RouterMode.PROXY, DEFAULT_AGENTS, "http", 307);
    for (String ua : new String[] {"Go-http-client/1.1", "curl/8", null}) {
      for (boolean auth : new boolean[] {false, true}) {
        assertThat(redirect.decide(ua, auth, "https")).isEqualTo(Rule.REDIRECT_MODE);
        assertThat(proxy.decide(ua, auth, "http")).isEqualTo(Rule.PROXY_MODE);
      }
    }
    assertThat(redirect.mayProxy()).isFalse();
    assertThat(proxy.mayProxy()).isTrue();
    assertThat(auto.mayProxy()).isTrue();
  }

  @Test
  void anEmptyListProxiesEveryone() {
    RedirectPolicy none = new RedirectPolicy(RouterMode.AUTO, List.of(), "http", 307);
    assertThat(none.decide("Go-http-client/1.1", false, "http")).isEqualTo(Rule.PROXY_UNKNOWN_CLIENT);
  }

  @Test
  void decisionsNameTheirActionAndReason() {
    for (Rule d : Rule.values()) {
      assertThat(d.action()).isEqualTo(d.redirect() ? "redirect" : "proxy");
      assertThat(d.reason()).isNotBlank();
      assertThat(d.name().startsWith("REDIRECT")).isEqualTo(d.redirect());
    }
  }

  @Test
  void builtFromTheConfiguration() {
    RedirectPolicy p = RedirectPolicy.from(TestConfig.staticMembers("127.0.0.1:1",
        "PUSHRING_ROUTER_MODE", "auto", "PUSHRING_ROUTER_REDIRECT_USER_AGENTS", "my-agent/"));
    assertThat(p.mode()).isEqualTo(RouterMode.AUTO);
    assertThat(p.decide("my-agent/2", false, "http")).isEqualTo(Rule.REDIRECT_CLIENT_FOLLOWS);
    assertThat(p.decide("Go-http-client/1.1", false, "http")).isEqualTo(Rule.PROXY_UNKNOWN_CLIENT);
  }
}
