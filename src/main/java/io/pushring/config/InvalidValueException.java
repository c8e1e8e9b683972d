package io.pushring.config;

/**
 * A value that does not convert or validate; the message says why without naming the key, because
 * only the loader knows where the value came from (file or environment variable).
 */
final class InvalidValueException extends RuntimeException {
  InvalidValueException(String message) {
    super(message, null, false, false);
  }
}
