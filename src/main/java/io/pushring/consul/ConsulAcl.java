package io.pushring.consul;

/**
 * What a {@code 403} from Consul means, in words an operator can act on: which ACL rule the part of
 * pushring that was refused needs. Pure.
 *
 * <p>Consul (1.4.0, the new ACL system, checked against the real agent) answers {@code 403} with the
 * body {@code Permission denied} when the token lacks a rule, and {@code ACL not found} when it does
 * not know the token at all (revoked, expired, mistyped). Reads that list things (health, catalog)
 * are not refused: Consul leaves out what the token may not read, so a token without
 * {@code service:read} sees an empty service ({@link #hiddenByAcl}).
 */
public final class ConsulAcl {
  private ConsulAcl() {}

  public static final String PERMISSION_DENIED = "Permission denied";
  public static final String ACL_NOT_FOUND = "ACL not found";

  /** The rules of each part, for the messages and the README's minimal policy. */
  public static String registrarRules(String service) {
    return "`service:write` on service \"" + service + "\"";
  }

  public static String discoveryRules(String service) {
    return "`service:read` on service \"" + service + "\" and `node:read` on the nodes of its instances";
  }

  public static String lockRules(String key) {
    return "`key:write` on key \"" + key + "\" and `session:write` on the agent's node";
  }

  public static String kvReadRules(String key) {
    return "`key:read` on key \"" + key + "\"";
  }

  public static String kvWriteRules(String key) {
    return "`key:write` on key \"" + key + "\"";
  }

  /**
   * The message for a 403 answered to {@code who} (e.g. "the registrar"), which needs {@code rules};
   * {@code body} is Consul's answer (quoted, cut to 100 characters: Consul's wording, never the token).
   */
  public static String refusal(String who, String rules, String body) {
    String said = body == null ? "" : body.strip();
    if (said.length() > 100) said = said.substring(0, 100) + "...";
    if (said.contains(ACL_NOT_FOUND)) {
      return "Consul does not know the ACL token (revoked, expired or mistyped; Consul answered 403 \"" + said + "\"): "
          + who + " needs a valid token with " + rules;
    }
    return "Consul refused the token: " + who + " needs " + rules + " (Consul answered 403 \"" + said + "\")";
  }

  /** Said once when a listing comes back empty while a token is in use: it may be the ACLs. */
  public static String hiddenByAcl(String service) {
    return "Consul lists no passing '" + service + "' instance for this token; if instances are registered, the token"
        + " may lack " + discoveryRules(service) + " (Consul leaves out what a token may not read instead of refusing)";
  }

  /** A 403 as a failure that carries the message. */
  public static final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message, null, false, false);
    }
  }
}
