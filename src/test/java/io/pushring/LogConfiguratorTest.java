package io.pushring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The logging set up in code (in place of logback.xml): the same one line per event on stderr, the same levels. */
class LogConfiguratorTest {

  /** A context of the test's own (as slf4j's provider makes it: with an MDC adapter), so the JVM's is untouched. */
  private static LoggerContext newContext() {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    return context;
  }

  private static String logged(LoggerContext context, Runnable log) {
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      log.run();
    } finally {
      System.setErr(err);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void oneLinePerEventOnStderrWithIsoTimeLevelAndShortLoggerName() {
    LoggerContext context = newContext();
    assertThat(new LogConfigurator().configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
    String out = logged(context, () -> {
      context.getLogger("io.pushring.router.RouterVerticle").info("ring v{} in force", 3);
      context.getLogger("io.pushring.Pushring").debug("not at INFO");
      context.getLogger("io.netty.channel.Whatever").info("netty below WARN is dropped");
      context.getLogger("io.netty.channel.Whatever").warn("netty warning");
    });
    assertThat(out.lines()).hasSize(2);
    assertThat(out.lines().toList().get(0))
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO  RouterVerticle ring v3 in force");
    assertThat(out.lines().toList().get(1)).endsWith(" WARN  Whatever netty warning");
    context.stop();
  }

  @Test
  void rootLevelFromThePushringLogLevelProperty() {
    System.setProperty("pushring.log.level", "DEBUG");
    LoggerContext context = newContext();
    try {
      new LogConfigurator().configure(context);
    } finally {
      System.clearProperty("pushring.log.level");
    }
    String out = logged(context, () -> context.getLogger("io.pushring.Pushring").debug("now shown"));
    assertThat(out).contains(" DEBUG Pushring now shown");
    context.stop();
  }

  @Test
  void anExplicitLogbackConfigurationFileIsLeftToLogback() {
    System.setProperty("logback.configurationFile", "/nonexistent/logback.xml");
    try {
      LoggerContext context = newContext();
      assertThat(new LogConfigurator().configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
      assertThat(context.getLogger("ROOT").iteratorForAppenders().hasNext()).isFalse();
    } finally {
      System.clearProperty("logback.configurationFile");
    }
  }
}
