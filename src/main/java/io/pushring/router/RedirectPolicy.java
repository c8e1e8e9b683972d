package io.pushring.router;

import io.pushring.config.PushringConfig;
import io.pushring.config.PushringConfig.RouterMode;
import io.pushring.metrics.Decision;
import java.util.List;

/**
 * Redirect or proxy: the per-request choice of {@code router.mode}. Pure and allocation-free (the
 * answer is one of a fixed set of {@link Rule} constants), so the hot path, {@code
 * /api/v1/route} and the tap all call the very same {@link #decide}.
 *
 * <p>Auto mode redirects only when a redirect cannot lose the push, as measured against a real
 * Pushgateway 1.5.1 (README, "Proxy, redirect and auto modes"):
 * <ul>
 *   <li>the {@code User-Agent} starts with a prefix of a client that follows a 307 repeating method
 *       and body: Go's net/http ({@code Go-http-client/}, client_golang) and Java's
 *       HttpURLConnection ({@code Java/<version>}, simpleclient_pushgateway and
 *       prometheus-metrics-exporter-pushgateway). curl cannot be told apart with and without
 *       {@code -L}; Python's urllib, Node's http and java.net.http (whose default is
 *       {@code Redirect.NEVER}) do not follow: they are proxied;
 *   <li>no {@code Authorization} header: clients drop it when a redirect changes host, and the
 *       Pushgateway answers 401;
 *   <li>the client's scheme equals the target's: Java does not follow a redirect from http to https
 *       (and a downgrade would leak the body in clear);
 *   <li>no fleet credential ({@code pushgateways.basic-auth}, {@code pushgateways.bearer-token-file}):
 *       Pushgateways that want pushring's credential would answer a redirected client 401.
 * </ul>
 * Auto mode always redirects with 307: 308 is permanent (a client may cache it across ring
 * changes) and HttpURLConnection does not follow it.
 */
public final class RedirectPolicy {
  /**
   * The rule that applied to one push: its {@link #decision()} (redirect or proxy, the decision the
   * metrics and the tap record) and why; {@link #reason()} is what route output and the tap show.
   */
  public enum Rule {
    REDIRECT_MODE(true, "redirect mode"),
    PROXY_MODE(false, "proxy mode"),
    REDIRECT_CLIENT_FOLLOWS(true, "auto: User-Agent of a client that follows a 307 with method and body"),
    PROXY_UNKNOWN_CLIENT(false, "auto: User-Agent not known to follow a 307 with method and body"),
    PROXY_AUTHORIZATION(false, "auto: Authorization header (clients drop it on a redirect to another host)"),
    PROXY_SCHEME_CHANGE(false, "auto: the target's scheme differs from the client's (not followed across schemes)"),
    PROXY_FLEET_CREDENTIAL(false, "auto: the Pushgateways take pushring's fleet credential, which a redirected client does not have");

    private final boolean redirect;
    private final String reason;

    Rule(boolean redirect, String reason) {
      this.redirect = redirect;
      this.reason = reason;
    }

    /** true: answer with a redirect; false: proxy the request. */
    public boolean redirect() { return redirect; }

    /** {@link Decision#REDIRECT} or {@link Decision#PROXY}. */
    public Decision decision() { return redirect ? Decision.REDIRECT : Decision.PROXY; }

    /** "redirect" or "proxy". */
    public String action() { return decision().label(); }

    public String reason() { return reason; }
  }

  private final RouterMode mode;
  private final String[] userAgentPrefixes;
  private final String targetScheme;
  private final int redirectStatus;
  private final boolean fleetCredential;

  public RedirectPolicy(RouterMode mode, List<String> userAgentPrefixes, String targetScheme, int configuredStatus) {
    this(mode, userAgentPrefixes, targetScheme, configuredStatus, false);
  }

  /** @param fleetCredential a fleet credential is configured: auto mode proxies every push */
  public RedirectPolicy(RouterMode mode, List<String> userAgentPrefixes, String targetScheme, int configuredStatus,
      boolean fleetCredential) {
    this.fleetCredential = fleetCredential;
    this.mode = mode;
    this.userAgentPrefixes = userAgentPrefixes.toArray(String[]::new);
    this.targetScheme = targetScheme;
    this.redirectStatus = mode == RouterMode.AUTO ? 307 : configuredStatus;
  }

  public static RedirectPolicy from(PushringConfig config) {
    return new RedirectPolicy(config.router().mode(), config.router().redirectUserAgents(),
        config.pushgateways().scheme(), config.router().redirectStatus(), !config.pushgateways().auth().none());
  }

  /**
   * @param userAgent the request's User-Agent, or null
   * @param hasAuthorization whether the request carries an Authorization header
   * @param clientScheme the scheme the client used: X-Forwarded-Proto when a front proxy set it,
   *     else the connection's ("http" or "https")
   */
  public Rule decide(String userAgent, boolean hasAuthorization, String clientScheme) {
    switch (mode) {
      case REDIRECT: return Rule.REDIRECT_MODE;
      case PROXY: return Rule.PROXY_MODE;
      default: break;
    }
    if (fleetCredential) return Rule.PROXY_FLEET_CREDENTIAL;
    if (hasAuthorization) return Rule.PROXY_AUTHORIZATION;
    if (!targetScheme.equalsIgnoreCase(clientScheme)) return Rule.PROXY_SCHEME_CHANGE;
    return followsRedirects(userAgent) ? Rule.REDIRECT_CLIENT_FOLLOWS : Rule.PROXY_UNKNOWN_CLIENT;
  }

  /** The status a redirect is answered with: 307 in auto mode, {@code router.redirect-status} in redirect mode. */
  public int redirectStatus() { return redirectStatus; }

  public RouterMode mode() { return mode; }

  /** Whether the decision depends on the request (auto mode); fixed modes ignore decide's arguments. */
  public boolean judgesRequests() { return mode == RouterMode.AUTO; }

  /** Whether some decision can proxy, i.e. whether routers need an HTTP client. */
  public boolean mayProxy() { return mode != RouterMode.REDIRECT; }

  private boolean followsRedirects(String userAgent) {
    if (userAgent == null) return false;
    for (String prefix : userAgentPrefixes) {
      if (userAgent.startsWith(prefix)) return true;
    }
    return false;
  }
}
