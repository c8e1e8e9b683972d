package io.pushring.tap;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pushring.key.GroupingKeyParser;
import io.pushring.testing.Await;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The hub as the consumer of event bus "pushring.tap": its buffer between two fan-outs is bounded. */
class TapHubTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void eventsBeyondTheBufferAreDroppedAndCountedNotQueued() {
    TapSwitch tap = new TapSwitch(vertx, true, 10, new SimpleMeterRegistry());
    int capacity = 10;
    vertx.deployVerticle(new TapHub(tap, capacity), new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).await();
    TapEvent e = new TapEvent(System.currentTimeMillis(), "PUT", "/metrics/job/a",
        GroupingKeyParser.parse("/metrics/job/a"), "m", "10.0.0.1:9091", "redirect", 307, 1, 1, null);
    int n = 5_000;
    for (int i = 0; i < n; i++) tap.publish(e);

    Await.until("all " + n + " events received by the hub", Duration.ofSeconds(5), () -> tap.publishedCount() >= n);
    assertThat(tap.publishedCount()).isEqualTo(n);
    // 5,000 publishes span a few fan-outs at most: each takes `capacity` events, drops the rest.
    assertThat(tap.droppedCount()).as("dropped over the buffer of %d", capacity).isGreaterThan(n / 2);
    assertThat(tap.receivedOnEventLoopCount()).isZero();
  }
}
