package dev.sculptor.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.JibContainer;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.nio.file.Files;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A push to a registry that wants credentials: a small in-process stand-in for the OCI distribution API (ping, blob
 * uploads, manifests; HTTPS on 127.0.0.1 with a self-signed certificate made by keytool, Basic auth), since there is
 * no registry on this machine. --allow-insecure-registries is what lets Jib accept the certificate.
 */
class RegistryPushTest {

  @TempDir Path tmp;
  HttpServer server;
  final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  final Map<String, byte[]> uploads = new ConcurrentHashMap<>();
  final Map<String, byte[]> manifests = new ConcurrentHashMap<>();
  final List<String> unauthorized = new CopyOnWriteArrayList<>();
  final String basic = "Basic " + Base64.getEncoder().encodeToString("robot:s3cret".getBytes(StandardCharsets.UTF_8));

  @BeforeEach
  void registry() throws Exception {
    // HTTPS, not HTTP: Jib tries TLS first and a plain HTTP server never answers a TLS hello (Jib would wait 20 s)
    Path keystore = tmp.resolve("registry.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "registry", "-keyalg", "EC", "-keystore", keystore.toString(), "-storetype", "PKCS12",
        "-storepass", "changeit", "-dname", "CN=127.0.0.1", "-validity", "2", "-ext", "san=ip:127.0.0.1")
        .redirectErrorStream(true).start();
    String keytoolOut = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, keytool.waitFor(), keytoolOut);
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(tls));
    server = https;
    server.createContext("/v2/", this::handle);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void pushesEveryBlobAndTheManifestWithTheEnvironmentsCredentials() throws Exception {
    Path app = ServiceImageTest.syntheticFastJar(tmp.resolve("quarkus-app"));
    String registry = "127.0.0.1:" + server.getAddress().getPort();
    JibContainer pushed = new ImageBuilder("scratch",
        Map.of(ImageBuilder.USERNAME_ENV, "robot", ImageBuilder.PASSWORD_ENV, "s3cret"), e -> { })
        .allowInsecureRegistries(true).baseCache(tmp.resolve("cache/base")).applicationCache(tmp.resolve("cache/app"))
        .toRegistry(new ServiceImage("model-registry", app), Map.of(), registry + "/acme/sculptor-model-registry:7");

    assertTrue(pushed.isImagePushed());
    byte[] manifestBytes = manifests.get("acme/sculptor-model-registry:7");
    assertNotNull(manifestBytes, "manifest pushed under the tag; got " + manifests.keySet());
    assertEquals(pushed.getDigest().toString(), sha256(manifestBytes));
    JsonObject manifest = JsonParser.parseString(new String(manifestBytes, StandardCharsets.UTF_8)).getAsJsonObject();
    assertTrue(blobs.containsKey(manifest.getAsJsonObject("config").get("digest").getAsString()), "config pushed");
    assertEquals(7, manifest.getAsJsonArray("layers").size(), "scratch: only the seven layers of the app");
    manifest.getAsJsonArray("layers").forEach(l -> assertTrue(
        blobs.containsKey(l.getAsJsonObject().get("digest").getAsString()), "layer pushed: " + l));
    assertEquals(List.of("GET /v2/"), unauthorized.stream().distinct().toList(),
        "only the first ping goes without the credentials");
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String method = x.getRequestMethod();
      String path = x.getRequestURI().getPath();
      if (!basic.equals(x.getRequestHeaders().getFirst("Authorization"))) {
        unauthorized.add(method + " " + path);
        x.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"test\"");
        respond(x, 401, new byte[0]);
        return;
      }
      if (path.equals("/v2/")) {
        respond(x, 200, "{}".getBytes(StandardCharsets.UTF_8));
        return;
      }
      String rest = path.substring("/v2/".length());
      byte[] body = x.getRequestBody().readAllBytes();
      if (rest.contains("/blobs/uploads/")) {
        String name = rest.substring(0, rest.indexOf("/blobs/uploads/"));
        String id = rest.substring(rest.indexOf("/blobs/uploads/") + "/blobs/uploads/".length());
        if (method.equals("POST")) {
          id = UUID.randomUUID().toString();
          uploads.put(id, new byte[0]);
        } else if (method.equals("PATCH")) {
          uploads.merge(id, body, RegistryPushTest::concat);
        } else if (method.equals("PUT")) {
          byte[] blob = concat(uploads.remove(id), body);
          String digest = x.getRequestURI().getQuery().replaceFirst(".*digest=", "").replace("%3A", ":");
          assertEquals(digest, sha256(blob), "uploaded blob matches its digest");
          blobs.put(digest, blob);
          x.getResponseHeaders().add("Docker-Content-Digest", digest);
          respond(x, 201, new byte[0]);
          return;
        }
        x.getResponseHeaders().add("Location", "/v2/" + name + "/blobs/uploads/" + id);
        x.getResponseHeaders().add("Range", "0-" + Math.max(0, uploads.get(id).length - 1));
        respond(x, 202, new byte[0]);
      } else if (rest.contains("/blobs/")) {
        byte[] blob = blobs.get(rest.substring(rest.indexOf("/blobs/") + "/blobs/".length()));
        if (blob == null) {
          respond(x, 404, new byte[0]);
        } else {
          x.getResponseHeaders().add("Docker-Content-Digest", sha256(blob));
          respond(x, 200, method.equals("HEAD") ? null : blob);
        }
      } else if (rest.contains("/manifests/")) {
        String key = rest.replace("/manifests/", ":");
        if (method.equals("PUT")) {
          manifests.put(key, body);
          x.getResponseHeaders().add("Docker-Content-Digest", sha256(body));
          respond(x, 201, new byte[0]);
        } else {
          respond(x, 404, new byte[0]);
        }
      } else {
        respond(x, 404, new byte[0]);
      }
    }
  }

  private static void respond(HttpExchange x, int status, byte[] body) throws IOException {
    x.sendResponseHeaders(status, body == null || body.length == 0 ? -1 : body.length);
    if (body != null && body.length > 0) {
      x.getResponseBody().write(body);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(a == null ? new byte[0] : a);
    out.writeBytes(b);
    return out.toByteArray();
  }

  static String sha256(byte[] bytes) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
