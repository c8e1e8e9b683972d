package io.pushring.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.router.HandledKeys.Added;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HandledKeysTest {
  @Test
  void eachHashIsNewOnceThenKnown() {
    HandledKeys keys = new HandledKeys(100_000);
    SplittableRandom random = new SplittableRandom(7);
    long[] hashes = new long[50_000];
    for (int i = 0; i < hashes.length; i++) hashes[i] = random.nextLong();
    for (long h : hashes) assertThat(keys.add(h)).isEqualTo(Added.NEW);
    for (long h : hashes) assertThat(keys.add(h)).isEqualTo(Added.KNOWN);
    assertThat(keys.size()).isEqualTo(hashes.length);
    assertThat(keys.add(0)).isEqualTo(Added.NEW);    // 0 is a hash like any other
    assertThat(keys.add(0)).isEqualTo(Added.KNOWN);
  }

  @Test
  void beyondTheCapNewKeysAreRefusedAndKnownOnesStillKnown() {
    HandledKeys keys = new HandledKeys(3);
    assertThat(keys.add(11)).isEqualTo(Added.NEW);
    assertThat(keys.add(12)).isEqualTo(Added.NEW);
    assertThat(keys.add(13)).isEqualTo(Added.NEW);
    assertThat(keys.add(14)).isEqualTo(Added.FULL);
    assertThat(keys.add(14)).isEqualTo(Added.FULL);
    assertThat(keys.add(12)).isEqualTo(Added.KNOWN);
    assertThat(keys.size()).isEqualTo(3);
    assertThat(new HandledKeys(0).add(1)).isEqualTo(Added.FULL);
  }

  @Test
  void clearForgetsEverything() {
    HandledKeys keys = new HandledKeys(10);
    keys.add(5);
    keys.clear();
    assertThat(keys.size()).isZero();
    assertThat(keys.add(5)).isEqualTo(Added.NEW);
  }
}
