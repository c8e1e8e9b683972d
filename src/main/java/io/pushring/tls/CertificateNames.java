package io.pushring.tls;

import io.netty.util.NetUtil;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Does a server certificate name a host? The rule of Go's {@code crypto/x509} {@code VerifyHostname},
 * which the Pushgateway's own clients (Prometheus, the Go client) apply: an IP literal must be among
 * the IP address SANs; a name must match a DNS SAN, case-insensitively, where a SAN's leftmost label
 * may be {@code *} standing for exactly one label. The subject's CN is never used (Go dropped it in
 * 1.15). Pure; its own check (a JDK trust manager's endpoint identification cannot be given a name
 * other than the host connected to, which {@code pushgateways.tls.server-name} and
 * {@code consul.tls.server-name} need). The one name rule of every link pushring verifies.
 */
public final class CertificateNames {
  private static final int DNS = 2;
  private static final int IP = 7;

  private CertificateNames() {}

  /** Null when {@code cert} names {@code host}, else why not (for the handshake failure). */
  public static String mismatch(X509Certificate cert, String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    List<String> dns = new ArrayList<>();
    List<byte[]> ips = new ArrayList<>();
    Collection<List<?>> sans;
    try {
      sans = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return "its subject alternative names cannot be read: " + e.getMessage();
    }
    List<String> shown = new ArrayList<>();
    if (sans != null) {
      for (List<?> san : sans) {
        int type = (Integer) san.get(0);
        if (type == DNS) {
          dns.add(String.valueOf(san.get(1)));
          shown.add(String.valueOf(san.get(1)));
        } else if (type == IP) {
          byte[] address = NetUtil.createByteArrayFromIpAddressString(String.valueOf(san.get(1)));
          if (address != null) ips.add(address);
          shown.add(String.valueOf(san.get(1)));
        }
      }
    }
    if (NetUtil.isValidIpV4Address(h) || NetUtil.isValidIpV6Address(h)) {
      byte[] wanted = NetUtil.createByteArrayFromIpAddressString(h);
      for (byte[] ip : ips) if (Arrays.equals(ip, wanted)) return null;
    } else {
      String name = h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
      for (String pattern : dns) if (matches(pattern, name)) return null;
    }
    return "certificate is valid for " + (shown.isEmpty() ? "no name (no subject alternative name)" : String.join(", ", shown))
        + ", not " + host;
  }

  /** Go's {@code matchHostnames}: as many labels on both sides, a leading {@code *} label stands for any one label. */
  public static boolean matches(String pattern, String name) {
    // As Go: the host's trailing dot is dropped, the pattern's is not; a bare "*" is no valid pattern.
    if (pattern.equals("*")) return false;
    String[] p = pattern.toLowerCase(Locale.ROOT).split("\\.", -1);
    String[] n = trimDot(name).toLowerCase(Locale.ROOT).split("\\.", -1);
    if (p.length != n.length) return false;
    for (int i = 0; i < p.length; i++) {
      if (n[i].isEmpty()) return false;
      if (i == 0 && p[i].equals("*")) continue;
      if (!p[i].equals(n[i])) return false;
    }
    return true;
  }

  private static String trimDot(String s) {
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }
}
