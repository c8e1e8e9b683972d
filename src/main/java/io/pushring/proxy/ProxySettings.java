package io.pushring.proxy;

import io.pushring.config.PushringConfig;

/**
 * What proxying needs from the configuration, resolved once.
 *
 * @param maxBody        {@code router.max-body}: larger bodies get 413
 * @param bufferBytes    {@code router.proxy-buffer}: a body up to this size is received whole before
 *                       a connection to the owner is taken; a larger one is streamed from there on.
 *                       Encoded bodies are always received whole (up to {@code maxBody}): a cut
 *                       cannot be made to fail on them (see {@link AbandonedBody})
 * @param timeoutMillis  {@code router.proxy-timeout}: connect time, silence of the owner, or silence
 *                       of the client while its body is incomplete
 * @param uploadTimeoutMillis {@code router.upload-timeout}: the whole body must arrive within this
 */
public record ProxySettings(int maxBody, int bufferBytes, long timeoutMillis, long uploadTimeoutMillis) {

  public static ProxySettings from(PushringConfig config) {
    return new ProxySettings(config.router().maxBody(), config.router().proxyBuffer(),
        config.router().proxyTimeout().toMillis(), config.router().uploadTimeout().toMillis());
  }
}
