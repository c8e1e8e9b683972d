package io.pushring.web;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * The {@code basic_auth_users} of one web configuration, and the verdicts already reached for
 * {@code Authorization} values. One instance per loaded configuration: a change of the users makes a
 * new one, which is how the caches are invalidated.
 *
 * <p>{@link #cached} is what a request on an event loop calls: a hash-map lookup keyed by the exact
 * header value (no decoding, no digest per request). {@link #verify} runs bcrypt (tens of
 * milliseconds at cost 10) and must only be called on a worker thread.
 *
 * <p>Both verdicts are kept, as the exporter-toolkit keeps them: a client retrying a wrong password
 * pays bcrypt once too. Each map holds at most {@link #MAX_ENTRIES} values and is emptied when full
 * (distinct good credentials are few; a flood of wrong ones only empties the negative map).
 * A user that does not exist is checked against a decoy hash of the same cost, so that the answer
 * takes as long as for a wrong password (no user enumeration by timing).
 */
public final class BasicAuth {
  static final int MAX_ENTRIES = 4096;
  private static final String PREFIX = "basic ";

  private final Map<String, String> users;
  private final String decoy;
  private final ConcurrentHashMap<String, Boolean> granted = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Boolean> refused = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong bcrypts = new java.util.concurrent.atomic.AtomicLong();

  /** Blocking (one bcrypt for the decoy): call on a worker or the main thread. */
  public BasicAuth(Map<String, String> users) {
    if (users.isEmpty()) throw new IllegalArgumentException("no users");
    this.users = Map.copyOf(users);
    int cost = users.values().stream().mapToInt(h -> Integer.parseInt(h.substring(4, 6))).max().orElse(10);
    byte[] salt = new byte[16];
    byte[] password = new byte[16];
    SecureRandom random = new SecureRandom();
    random.nextBytes(salt);
    random.nextBytes(password);
    this.decoy = OpenBSDBCrypt.generate("2y", password, salt, cost);
  }

  /** The users and their hashes (a reload with the same ones keeps this instance, and its verdicts). */
  Map<String, String> users() { return users; }

  /** How many {@link #verify} calls (bcrypt checks) this instance made: what the caches save is measured by it. */
  public long bcrypts() { return bcrypts.get(); }

  /** TRUE or FALSE when this header value was verified before, else null. Event-loop safe. */
  public Boolean cached(String authorization) {
    Boolean ok = granted.get(authorization);
    return ok != null ? ok : refused.get(authorization);
  }

  /**
   * Whether {@code authorization} ({@code Basic base64(user:password)}) names a user whose bcrypt
   * hash matches the password; the verdict is cached. Blocking: worker threads only.
   */
  public boolean verify(String authorization) {
    bcrypts.incrementAndGet();
    boolean ok = check(authorization);
    ConcurrentHashMap<String, Boolean> into = ok ? granted : refused;
    if (into.size() >= MAX_ENTRIES) into.clear();
    into.put(authorization, ok);
    return ok;
  }

  private boolean check(String authorization) {
    byte[] credentials = decode(authorization);
    if (credentials == null) return false;
    int colon = indexOf(credentials, (byte) ':');
    if (colon < 0) return false;
    String user = new String(credentials, 0, colon, StandardCharsets.UTF_8);
    byte[] password = Arrays.copyOfRange(credentials, colon + 1, credentials.length);
    Arrays.fill(credentials, (byte) 0);
    String hash = users.get(user);
    boolean known = hash != null;
    boolean match;
    try {
      match = OpenBSDBCrypt.checkPassword(known ? hash : decoy, password);
    } catch (RuntimeException e) {
      match = false;   // e.g. a password over bcrypt's 72 bytes that the library refuses
    } finally {
      Arrays.fill(password, (byte) 0);
    }
    // BouncyCastle compares the computed hash with the stored one in constant time.
    return match && known;
  }

  /** The bytes of {@code user:password}, or null when the header is not Basic or not base64 (as Go's BasicAuth). */
  static byte[] decode(String authorization) {
    if (authorization.length() < PREFIX.length()
        || !authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return null;
    }
    try {
      return Base64.getDecoder().decode(authorization.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static int indexOf(byte[] b, byte x) {
    for (int i = 0; i < b.length; i++) if (b[i] == x) return i;
    return -1;
  }
}
