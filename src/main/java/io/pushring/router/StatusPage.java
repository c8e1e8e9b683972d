package io.pushring.router;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The status page, {@code webroot/index.html} in the jar: one self-contained file, read once. */
final class StatusPage {
  private static final Buffer HTML = load();

  private StatusPage() {}

  static Buffer html() {
    return HTML.copy();
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
