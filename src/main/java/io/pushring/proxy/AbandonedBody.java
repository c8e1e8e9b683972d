package io.pushring.proxy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * What pushring sends a Pushgateway before it cuts a push body it has started to forward and will
 * not finish (client gone, body over {@code router.max-body}, upload stalled or too slow).
 *
 * <p>Measured on Pushgateway 1.5.1: a text body cut at the start of a line (after its last
 * {@code \n}, or after blanks there) is <b>stored</b> — its parser takes the read error there for the
 * end of input and replaces the group with the lines it got. Cut anywhere inside a line (a sample,
 * a comment, a HELP text) it is rejected. A protobuf-delimited body cut anywhere is rejected. So
 * the cut is preceded by these bytes: a newline, then a line the text parser refuses
 * ({@code expected float as value}), so a text push fails on a complete line before the cut is even
 * read; for a protobuf body they are a few more bytes of a message the cut leaves incomplete.
 * Either way the Pushgateway answers the push with an error and keeps the group as it was.
 *
 * <p>Encoded bodies ({@code Content-Encoding: gzip}) cannot be made invalid this way (the bytes the
 * parser sees come out of the decompressor, and a gzip body cut in its trailer or after a flush is
 * stored): they are never forwarded before they are complete (see {@link ProxySettings}).
 */
final class AbandonedBody {
  private AbandonedBody() {}

  private static final byte[] POISON =
      "\npushring_abandoned_push not_a_value\n".getBytes(StandardCharsets.US_ASCII);

  /** A fresh buffer each time: a written buffer belongs to the connection that sends it. */
  static Buffer poison() {
    return Buffer.buffer(POISON);
  }
}
