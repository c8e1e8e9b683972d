package io.pushring.testing.consul;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The in-repo server's ACLs: a TEST DOUBLE of the subset of Consul 1.4's new ACL system that pushring
 * and its tests touch, checked against the real 1.4.0 agent by the same tests
 * ({@code ConsulSecureLinkContract}). Not Consul: no roles, no service identities, no replication,
 * no {@code acl_enforce_version_8} switch, no token expiry, no {@code extend-cache}; and no
 * anti-entropy: a real agent syncs each service to the catalog with the token it was registered
 * with (a service whose token was revoked stays out of the catalog, and its failing sync holds back
 * the agent's others), where this server's catalog is its agent state, so that failure does not
 * show here.
 *
 * <ul>
 *   <li>a master token (config {@code acl.tokens.master}) that may do anything; the empty token is
 *       the anonymous token, with no policy (so {@code default_policy = "deny"} denies it all);
 *   <li>policies of rules {@code service}, {@code node}, {@code key}, {@code session}, {@code agent}
 *       and their {@code _prefix} forms, {@code policy = "read" | "write" | "deny"}: an exact rule
 *       wins over prefixes, the longest prefix wins over shorter ones, and on the same name
 *       {@code deny} beats {@code write} beats {@code read} (Consul's {@code takesPrecedenceOver});
 *       nothing matching: denied;
 *   <li>tokens naming policies by ID or name; deleting a token revokes it at once (Consul: at once
 *       on the servers, up to {@code token_ttl} on other agents).
 * </ul>
 *
 * A token Consul does not know is refused with {@code 403 ACL not found}; a missing permission with
 * {@code 403 Permission denied} (write endpoints) or by leaving things out (listings), as Consul does.
 */
final class ConsulAcls {
  static final String ACL_NOT_FOUND = "ACL not found";
  static final String PERMISSION_DENIED = "Permission denied";

  private static final Pattern RULE = Pattern.compile(
      "\\s*(service|node|key|session|agent)(_prefix)?\\s+\"([^\"]*)\"\\s*\\{\\s*policy\\s*=\\s*\"(read|write|deny)\"\\s*\\}\\s*");

  record Rule(String kind, boolean prefix, String name, String policy) {}

  record Policy(String id, String name, String rules, List<Rule> parsed, long index) {}

  record Token(String accessorId, String secretId, List<String> policyIds, String description, long index) {}

  /** What one token may do. */
  interface Authorizer {
    boolean read(String kind, String name);

    boolean write(String kind, String name);
  }

  static final Authorizer ALL = new Authorizer() {
    public boolean read(String kind, String name) { return true; }

    public boolean write(String kind, String name) { return true; }
  };

  private final String master;
  private final Map<String, Policy> policies = new LinkedHashMap<>();
  private final Map<String, Token> bySecret = new HashMap<>();
  private final Map<String, Token> byAccessor = new HashMap<>();
  private long index = 100;

  ConsulAcls(String master) {
    this.master = master;
  }

  /** The token's authorizer, or null when Consul would answer "ACL not found". */
  Authorizer resolve(String secret) {
    if (secret == null || secret.isEmpty()) return rules(List.of());
    if (secret.equals(master)) return ALL;
    Token t = bySecret.get(secret);
    if (t == null) return null;
    List<Rule> all = new ArrayList<>();
    for (String id : t.policyIds()) {
      Policy p = policies.get(id);
      if (p != null) all.addAll(p.parsed());
    }
    return rules(all);
  }

  /** Parses HCL rules of the supported subset; throws with Consul's 400 wording on anything else. */
  static List<Rule> parse(String rules) {
    List<Rule> out = new ArrayList<>();
    Matcher m = RULE.matcher(rules);
    int at = 0;
    while (at < rules.length()) {
      m.region(at, rules.length());
      if (!m.lookingAt()) {
        if (rules.substring(at).isBlank()) break;
        throw new IllegalArgumentException("Invalid Policy: Failed to parse ACL rules: the in-repo Consul test server"
            + " understands only service/node/key/session/agent(_prefix) \"name\" { policy = \"read|write|deny\" }, at: "
            + rules.substring(at).strip());
      }
      out.add(new Rule(m.group(1), m.group(2) != null, m.group(3), m.group(4)));
      at = m.end();
    }
    return out;
  }

  Policy createPolicy(String name, String rules) {
    if (name == null || name.isEmpty()) throw new IllegalArgumentException("Invalid Policy: no Name is set");
    for (Policy p : policies.values()) {
      if (p.name().equals(name)) throw new IllegalArgumentException("Invalid Policy: A Policy with Name \"" + name + "\" already exists");
    }
    Policy p = new Policy(UUID.randomUUID().toString(), name, rules, parse(rules), ++index);
    policies.put(p.id(), p);
    return p;
  }

  /** {@code refs}: policy IDs or names. */
  Token createToken(List<String> refs, String description) {
    List<String> ids = new ArrayList<>();
    for (String ref : refs) {
      Policy found = policies.get(ref);
      if (found == null) found = policies.values().stream().filter(p -> p.name().equals(ref)).findFirst().orElse(null);
      if (found == null) throw new IllegalArgumentException("Invalid Policy: ID/Name \"" + ref + "\" does not exist");
      ids.add(found.id());
    }
    Token t = new Token(UUID.randomUUID().toString(), UUID.randomUUID().toString(), List.copyOf(ids), description, ++index);
    bySecret.put(t.secretId(), t);
    byAccessor.put(t.accessorId(), t);
    return t;
  }

  Policy policy(String id) {
    return policies.get(id);
  }

  boolean deleteToken(String accessorId) {
    Token t = byAccessor.remove(accessorId);
    if (t == null) return false;
    bySecret.remove(t.secretId());
    return true;
  }

  private static Authorizer rules(List<Rule> rules) {
    return new Authorizer() {
      public boolean read(String kind, String name) {
        String p = decide(rules, kind, name);
        return p.equals("read") || p.equals("write");
      }

      public boolean write(String kind, String name) {
        return decide(rules, kind, name).equals("write");
      }
    };
  }

  /** The policy that applies to {@code kind "name"}: exact, else the longest prefix; "deny" when none. */
  private static String decide(List<Rule> rules, String kind, String name) {
    String exact = null;
    String prefix = null;
    int prefixLength = -1;
    for (Rule r : rules) {
      if (!r.kind().equals(kind)) continue;
      if (!r.prefix() && r.name().equals(name)) {
        exact = stronger(exact, r.policy());
      } else if (r.prefix() && name.startsWith(r.name())) {
        if (r.name().length() > prefixLength) {
          prefixLength = r.name().length();
          prefix = r.policy();
        } else if (r.name().length() == prefixLength) {
          prefix = stronger(prefix, r.policy());
        }
      }
    }
    return exact != null ? exact : prefix != null ? prefix : "deny";
  }

  private static String stronger(String a, String b) {
    if (a == null) return b;
    if (a.equals("deny") || b.equals("deny")) return "deny";
    if (a.equals("write") || b.equals("write")) return "write";
    return "read";
  }
}
