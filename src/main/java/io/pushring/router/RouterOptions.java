package io.pushring.router;

import io.pushring.config.PushringConfig;

/**
 * What a router verticle needs from the configuration, resolved once at start so the request path
 * reads only final fields.
 */
record RouterOptions(String host, int port, int redirectStatus, String retryAfterSeconds, String memberScheme) {

  static RouterOptions from(PushringConfig config) {
    long retryAfter = Math.max(1, config.router().retryAfter().toSeconds());
    return new RouterOptions(
        config.http().host(),
        config.http().port(),
        config.router().redirectStatus(),
        Long.toString(retryAfter),
        config.pushgateways().scheme());
  }
}
