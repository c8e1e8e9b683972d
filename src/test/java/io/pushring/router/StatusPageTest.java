package io.pushring.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.pushring.PushringApp;
import io.pushring.bus.RingPublisher;
import io.pushring.key.GroupingKey;
import io.pushring.key.GroupingKeyParser;
import io.pushring.ring.Member;
import io.pushring.ring.Ring;
import io.pushring.testing.JdkHttp;
import io.pushring.testing.PushgatewayProcess;
import io.pushring.testing.TestConfig;
import io.vertx.core.Vertx;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The status page in a real headless browser: Debian's chromium, driven through Debian's
 * chromedriver by Selenium (nothing downloaded). Loads {@code /}, waits for the ring table and the
 * live tap, pushes, waits for the push's tap row, and saves a screenshot under {@code target/}.
 */
class StatusPageTest {
  static final String CHROMIUM = System.getProperty("pushring.chromium.bin", "/usr/bin/chromium");
  static final String CHROMEDRIVER = System.getProperty("pushring.chromedriver.bin", "/usr/bin/chromedriver");
  private static final String MEMBERS = "10.0.0.1:9091,10.0.0.2:9091,10.0.0.3:9091";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private Vertx vertx;
  private int port;
  private Path profile;
  private ChromeDriver browser;

  @BeforeEach
  void start() throws IOException {
    for (String bin : List.of(CHROMIUM, CHROMEDRIVER)) {
      assertThat(Files.isExecutable(Path.of(bin)))
          .as("%s is missing: `make test` installs Debian's chromium and chromium-driver", bin).isTrue();
    }
    vertx = PushringApp.newVertx();
    port = PushringApp.deploy(vertx, TestConfig.staticMembers(MEMBERS)).await().port();
    profile = Files.createTempDirectory("pushring-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1600,1100");
    // The console, to see any Content-Security-Policy violation (a blocked inline style or script).
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort()
        .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterEach
  void stop() throws IOException {
    if (browser != null) browser.quit();
    if (vertx != null) vertx.close().await();
    if (profile != null) {
      try (Stream<Path> files = Files.walk(profile)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
      }
    }
  }

  @Test
  void showsTheRingAndALiveTapRowAfterAPush() throws IOException, InterruptedException {
    browser.get("http://127.0.0.1:" + port + "/");
    WebDriverWait wait = new WebDriverWait(browser, WAIT);
    // The ring table is redrawn every poll: an element read between two draws goes stale; read again.
    wait.ignoring(StaleElementReferenceException.class);

    // The ring table: one row per member, with its share of the key space.
    wait.until(d -> d.findElements(By.cssSelector("#ring tbody tr[data-member]")).size() == 3);
    List<String> members = wait.until(d -> d.findElements(By.cssSelector("#ring tbody tr[data-member]")).stream()
        .map(r -> r.getAttribute("data-member") + " " + r.getText()).toList());
    assertThat(members).hasSize(3);
    assertThat(members.get(0)).startsWith("10.0.0.1_9091").contains("33.", "%", "passing");
    assertThat(members.get(1)).startsWith("10.0.0.2_9091");
    assertThat(members.get(2)).startsWith("10.0.0.3_9091");
    assertThat(browser.findElement(By.id("ring-version")).getText()).isEqualTo("v1");

    // The tap is live once the server counts the page as a subscriber.
    wait.until(d -> "open".equals(d.findElement(By.id("tap-state")).getAttribute("data-state")));
    String path = "/metrics/job/status-page/instance/screenshot";
    String owner = RingPublisher.current(vertx).route(GroupingKeyParser.parse(path)).id();
    JdkHttp http = new JdkHttp();
    assertThat(http.send("PUT", port, path, "m 1\n").status()).isEqualTo(307);
    assertThat(http.send("PUT", port, "/metrics/job/status-page/odd", "m 1\n").status()).isEqualTo(400);
    for (int i = 0; i < 5; i++) http.send("POST", port, "/metrics/job/batch/instance/host-" + i, "m 1\n");

    wait.until(d -> d.findElements(By.cssSelector("#tap tbody tr")).stream().anyMatch(r -> r.getText().contains(path)));
    WebElement row = browser.findElements(By.cssSelector("#tap tbody tr")).stream()
        .filter(r -> r.getText().contains(path)).findFirst().orElseThrow();
    assertThat(row.getText()).contains("PUT", "redirect", "307", owner);
    wait.until(d -> d.findElements(By.cssSelector("#tap tbody tr")).stream()
        .anyMatch(r -> r.getText().contains("/metrics/job/status-page/odd") && r.getText().contains("reject")));
    // Rates are deltas between two polls: keep pushing until the page shows them moving.
    Thread pusher = new Thread(() -> {
      for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
        http.send("PUT", port, "/metrics/job/rates/instance/i" + (i % 20), "m 1\n");
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    pusher.start();
    try {
      wait.until(d -> !d.findElement(By.id("total-rate")).getText().matches("–|0\\.0"));
      wait.until(d -> d.findElements(By.cssSelector("#ring tbody tr[data-member]")).stream()
          .anyMatch(r -> !r.findElements(By.tagName("td")).get(3).getText().equals("0.0")));
    } finally {
      pusher.interrupt();
      pusher.join(10_000);
    }

    Path shot = Path.of(System.getenv().getOrDefault("PUSHRING_TEST_BUILD_DIR", "target"), "status-page.png");
    Files.createDirectories(shot.getParent());
    Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
    System.out.println("status page screenshot: " + shot.toAbsolutePath() + " (" + Files.size(shot) + " bytes)");
    assertThat(Files.size(shot)).isGreaterThan(10_000);
    assertRenderedUnderItsContentSecurityPolicy();
  }

  /**
   * The page did all of the above under its Content-Security-Policy: the console holds no error at
   * all (a blocked inline style or script is one), and the policy is in force in the browser (an
   * inline script the page does not ship, added afterwards, is refused: a securitypolicyviolation).
   */
  private void assertRenderedUnderItsContentSecurityPolicy() {
    List<String> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue())
        .map(LogEntry::getMessage)
        // Chromium asks for /favicon.ico on its own: a 404 there is not the page's.
        .filter(m -> !m.contains("favicon.ico"))
        .toList();
    assertThat(errors).as("console errors of the status page").isEmpty();
    Object refused = browser.executeAsyncScript(String.join("\n",
        "const done = arguments[arguments.length - 1];",
        "document.addEventListener('securitypolicyviolation', e => done(e.violatedDirective + ' ' + !window.__injected));",
        "const s = document.createElement('script');",
        "s.textContent = 'window.__injected = true';",
        "document.head.appendChild(s);",
        "setTimeout(() => done('no violation, injected=' + window.__injected), 5000);"));
    assertThat(refused).as("an injected inline script under the page's policy").isEqualTo("script-src-elem true");
  }

  /**
   * The reconciler panel, against two real Pushgateways in a dry run: its state, the last pass's
   * figures, the plan's first actions (a migration of a group held off its owner), and a departed
   * member once the ring drops one.
   */
  @Test
  void theReconcilerPanelShowsTheLastPassItsPlanAndDepartedMembers() throws IOException {
    vertx.close().await();
    List<PushgatewayProcess> pgs = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) pgs.add(PushgatewayProcess.start());
      List<Member> fleet = pgs.stream().map(pg -> Member.ofAddress(pg.host(), pg.port())).toList();
      vertx = PushringApp.newVertx();
      port = PushringApp.deploy(vertx, TestConfig.staticMembers(
          fleet.stream().map(Member::address).collect(java.util.stream.Collectors.joining(",")),
          "PUSHRING_RECONCILE_ENABLED", "true", "PUSHRING_RECONCILE_DRY_RUN", "true",
          "PUSHRING_RECONCILE_INTERVAL", "1s", "PUSHRING_RECONCILE_SETTLE", "0s", "PUSHRING_RECONCILE_QUIET", "0s"))
          .await().port();
      Ring ring = RingPublisher.current(vertx);
      GroupingKey misplaced = null;
      for (int i = 0; misplaced == null; i++) {
        GroupingKey k = GroupingKeyParser.parse("/metrics/job/panel/instance/host-" + i);
        if (ring.route(k).equals(fleet.get(0))) misplaced = k;
      }
      assertThat(pgs.get(1).put(misplaced.base64Path(), "m 1\n").status()).isEqualTo(200);

      browser.get("http://127.0.0.1:" + port + "/");
      WebDriverWait wait = new WebDriverWait(browser, WAIT);
      wait.ignoring(StaleElementReferenceException.class);
      wait.until(d -> "dry-run".equals(d.findElement(By.id("rc-state")).getAttribute("data-state")));
      String group = misplaced.printable();
      // The panel is redrawn at every poll: each read is one wait, so a redraw between find and read retries.
      String planned = wait.until(d -> d.findElements(By.cssSelector("#rc-plan tbody tr[data-action='migrate']"))
          .stream().map(WebElement::getText).filter(t -> t.contains(group)).findFirst().orElse(null));
      assertThat(planned).contains("migrate (planned)", fleet.get(1).id(), fleet.get(0).id());
      assertThat(text(wait, "#rc-pass")).contains("last pass", "ring v1", "3 members read", "ms");
      assertThat(text(wait, "#rc-cards [data-figure='scanned']")).startsWith("1");
      assertThat(text(wait, "#rc-cards [data-figure='migrated']")).startsWith("0");

      // Member 2 leaves the ring (still running): the panel lists it as departed.
      Member leaving = fleet.get(2);
      vertx.runOnContext(v -> RingPublisher.publish(vertx, ring.withMembers(fleet.subList(0, 2), 2)));
      wait.until(d -> d.findElement(By.id("rc-pass")).getText().contains("ring v2"));
      // The pass line can be redrawn from the tap's pass event before the next poll brings the departed
      // list that pass left: wait for the list (a CI run read it between the two).
      Boolean forgotten = wait.until(d -> "no departed member".equals(d.findElement(By.id("rc-departed")).getText()));
      assertThat(forgotten).as("read empty: forgotten").isTrue();
      pgs.get(2).put(misplaced.base64Path(), "m 2\n");
      vertx.runOnContext(v -> RingPublisher.publish(vertx, ring.withMembers(fleet, 3)));
      vertx.runOnContext(v -> RingPublisher.publish(vertx, ring.withMembers(fleet.subList(0, 2), 4)));
      wait.until(d -> d.findElement(By.id("rc-departed")).getText().contains(leaving.id()));
      assertThat(text(wait, "#rc-departed")).startsWith("departed members still read");
      Path shot = Path.of(System.getenv().getOrDefault("PUSHRING_TEST_BUILD_DIR", "target"), "status-page-reconciler.png");
      Files.createDirectories(shot.getParent());
      Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
    } finally {
      pgs.forEach(PushgatewayProcess::close);
    }
  }

  private static String text(WebDriverWait wait, String css) {
    return wait.until(d -> d.findElement(By.cssSelector(css)).getText());
  }

  @Test
  void aRingChangeAppearsLiveWithEachMembersShareBeforeAndAfter() {
    browser.get("http://127.0.0.1:" + port + "/");
    WebDriverWait wait = new WebDriverWait(browser, WAIT);
    wait.ignoring(StaleElementReferenceException.class);
    wait.until(d -> "open".equals(d.findElement(By.id("tap-state")).getAttribute("data-state")));
    wait.until(d -> d.findElements(By.cssSelector("#ring tbody tr[data-member]")).size() == 3);

    Ring before = RingPublisher.current(vertx);
    List<Member> members = new ArrayList<>(before.members());
    Member removed = members.remove(0);
    Member added = Member.ofAddress("10.0.0.4", 9091);
    members.add(added);
    RingPublisher.publish(vertx, before.withMembers(members, 2));

    WebElement change = wait.until(d -> d.findElements(By.cssSelector("#ring-changes .change[data-version='2']"))
        .stream().findFirst().orElse(null));
    assertThat(change.getText()).contains("v1 \u2192 v2", "+" + added.id(), "\u2212" + removed.id(), "of the keys moved");
    List<String> rows = change.findElements(By.cssSelector("tr[data-member]")).stream().map(WebElement::getText).toList();
    assertThat(rows).hasSize(4);
    assertThat(rows).anySatisfy(r -> assertThat(r).startsWith(removed.id()).contains("33.").endsWith("removed"));
    assertThat(rows).anySatisfy(r -> assertThat(r).startsWith(added.id()).contains("0.0%").contains("33."));
    // And the ring table follows.
    wait.until(d -> d.findElements(By.cssSelector("#ring tbody tr[data-member]")).stream()
        .anyMatch(r -> added.id().equals(r.getAttribute("data-member"))));
    assertThat(browser.findElement(By.id("ring-version")).getText()).isEqualTo("v2");
  }
}
