package io.pushring.router;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The status page, {@code webroot/index.html} in the jar: one self-contained file, read once, and
 * its Content-Security-Policy, derived from the file itself: the SHA-256 of each inline
 * {@code <style>} and {@code <script>} block is allowed, nothing else (no inline {@code style=}
 * attribute, no other origin; fetch and the tap's EventSource go to this listener only). An edit of
 * the page changes the hashes with it, so the policy cannot go stale.
 */
final class StatusPage {
  private static final Pattern STYLE = Pattern.compile("<style>(.*?)</style>", Pattern.DOTALL);
  private static final Pattern SCRIPT = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL);

  private static final Buffer HTML = load();
  private static final CharSequence POLICY = HttpHeaders.createOptimized(policy(HTML.toString(StandardCharsets.UTF_8)));

  private StatusPage() {}

  static Buffer html() {
    return HTML.copy();
  }

  static CharSequence contentSecurityPolicy() {
    return POLICY;
  }

  /** The policy for {@code html}: its inline blocks by hash, data from its own origin. */
  static String policy(String html) {
    return "default-src 'none'; style-src " + hashes(STYLE, html) + "; script-src " + hashes(SCRIPT, html)
        + "; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  }

  private static String hashes(Pattern block, String html) {
    List<String> sources = new ArrayList<>();
    Matcher m = block.matcher(html);
    while (m.find()) sources.add("'sha256-" + sha256(m.group(1)) + "'");
    return sources.isEmpty() ? "'none'" : String.join(" ", sources);
  }

  private static String sha256(String text) {
    try {
      return Base64.getEncoder().encodeToString(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }

  private static Buffer load() {
    try (InputStream in = StatusPage.class.getResourceAsStream("/webroot/index.html")) {
      if (in == null) throw new IllegalStateException("webroot/index.html missing from the class path");
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
