package io.pushring;

/** Entry point: {@code java -jar target/pushring.jar [-c FILE]}. SKELETON. */
public final class Pushring {
  private Pushring() {}

  public static void main(String[] args) {
    throw new UnsupportedOperationException("skeleton");
  }
}
