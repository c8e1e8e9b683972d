package io.pushring.bench;

import io.pushring.PushringApp;
import io.pushring.config.PushringConfig;
import io.pushring.testing.TestConfig;
import io.pushring.key.GroupingKeyParser;
import io.pushring.key.InvalidPushPathException;
import io.pushring.ring.Member;
import io.pushring.ring.Placement;
import io.pushring.ring.Ring;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.OriginRequestProvider;
import java.util.List;

/**
 * The alternative proxy measured against {@code ProxyForwarder} by {@code bench-proxy.sh}: the same
 * parse + ring lookup, then vertx-http-proxy's {@code HttpProxy.reverseProxy} with
 * {@code OriginRequestProvider.selector}. Not a test; a benchmark subject. Args: PORT MEMBER(host:port) INSTANCES.
 */
public final class HttpProxyVariant extends VerticleBase {
  private final int port;
  private final Ring ring;

  HttpProxyVariant(int port, Ring ring) {
    this.port = port;
    this.ring = ring;
  }

  @Override
  public Future<?> start() {
    HttpProxy proxy = HttpProxy.reverseProxy(vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64)));
    proxy.origin(OriginRequestProvider.selector(ctx -> {
      try {
        Member owner = ring.route(GroupingKeyParser.parse(ctx.request().proxiedRequest().path()));
        return Future.succeededFuture(SocketAddress.inetSocketAddress(owner.port(), owner.host()));
      } catch (InvalidPushPathException bad) {
        return Future.failedFuture(bad);
      }
    }));
    return vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true)).requestHandler(proxy).listen(port, "127.0.0.1");
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    String[] member = args[1].split(":");
    int instances = Integer.parseInt(args[2]);
    Ring ring = Ring.build(Placement.GROUPING_KEY, List.of(Member.ofAddress(member[0], Integer.parseInt(member[1]))), 1);
    // pushring's own Vert.x set-up (transport choice, metrics with the per-request ones off), so that
    // the two proxies differ only in the proxying.
    PushringConfig config = TestConfig.staticMembers(args[1]);
    Vertx vertx = PushringApp.newVertx(config);
    PushringApp.logTransport(vertx, config);
    vertx.deployVerticle(() -> new HttpProxyVariant(port, ring), new DeploymentOptions().setInstances(instances)).await();
    System.out.println("vertx-http-proxy variant listening on " + port);
  }
}
