package dev.sculptor.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Builds images of a small synthetic fast-jar offline and opens the tarballs. */
class ServiceImageTest {

  @TempDir Path tmp;
  Path app;

  @BeforeEach
  void fastJar() throws Exception {
    app = syntheticFastJar(tmp.resolve("root/services/model-registry/target/quarkus-app"));
  }

  /** The files `quarkus package` writes, with made-up contents (layering looks at paths only). */
  static Path syntheticFastJar(Path app) throws Exception {
    write(app.resolve("quarkus-run.jar"), "runner");
    write(app.resolve("quarkus-app-dependencies.txt"), "io.quarkus:quarkus-core::jar:3.33.2");
    write(app.resolve("lib/boot/io.quarkus.quarkus-bootstrap-runner-3.33.2.jar"), "boot");
    write(app.resolve("lib/main/io.grpc.grpc-api-1.79.0.jar"), "third party");
    write(app.resolve("lib/main/dev.sculptor.sculptor-platform-0.1.0-SNAPSHOT.jar"), "project");
    write(app.resolve("quarkus/generated-bytecode.jar"), "generated");
    write(app.resolve("quarkus/quarkus-application.dat"), "dat");
    write(app.resolve("app/sculptor-model-registry-0.1.0-SNAPSHOT.jar"), "classes");
    return app;
  }

  private static void write(Path p, String content) throws Exception {
    Files.createDirectories(p.getParent());
    Files.writeString(p, content);
  }

  /** A tiny base image, as `docker save` or an earlier Jib build would give it: a /bin/sh, a PATH. */
  private Path tinyBase() throws Exception {
    Path sh = tmp.resolve("base-src/sh");
    write(sh, "#!not a real shell");
    Path tar = tmp.resolve("base.tar");
    Jib.fromScratch()
        .addFileEntriesLayer(FileEntriesLayer.builder().setName("base")
            .addEntry(sh, AbsoluteUnixPath.get("/bin/sh"), FilePermissions.fromOctalString("755")).build())
        .addEnvironmentVariable("PATH", "/opt/java/openjdk/bin:/usr/bin:/bin")
        .containerize(caches(Containerizer.to(TarImage.at(tar).named("tiny-base:1"))));
    return tar;
  }

  private Containerizer caches(Containerizer c) {
    return c.setBaseImageLayersCache(tmp.resolve("cache/base")).setApplicationLayersCache(tmp.resolve("cache/app"))
        .setOfflineMode(true);
  }

  private ImageBuilder builder(String base) {
    return new ImageBuilder(base, Map.of(), e -> { }).offline(true)
        .baseCache(tmp.resolve("cache/base")).applicationCache(tmp.resolve("cache/app"));
  }

  private JibContainer build(String base, Path tar) throws Exception {
    Map<String, String> labels = Map.of("org.opencontainers.image.version", "1.2.3");
    return builder(base).toTar(new ServiceImage("model-registry", app), labels, tar, "sculptor-model-registry:1.2.3");
  }

  @Test
  void imageOnATarBaseHasTheContractsConfigAndLayersInCacheOrder() throws Exception {
    Path base = tinyBase();
    Path tar = tmp.resolve("out/sculptor-model-registry.tar");
    build("tar://" + base.toAbsolutePath(), tar);
    ImageTarball image = new ImageTarball(tar);

    assertEquals("application/vnd.oci.image.manifest.v1+json", image.manifest.get("mediaType").getAsString());
    JsonObject cfg = image.containerConfig();
    List<String> entrypoint = strings(cfg.getAsJsonArray("Entrypoint"));
    assertEquals(ServiceImage.ENTRYPOINT, entrypoint);
    assertEquals(List.of("/bin/sh", "-c"), entrypoint.subList(0, 2));
    assertTrue(entrypoint.get(2).matches("exec java .*\\$JAVA_OPTS -jar /deployments/quarkus-run\\.jar.*"),
        entrypoint.get(2));
    assertTrue(entrypoint.get(2).contains("-Dai.djl.offline=true"), entrypoint.get(2));
    assertEquals("10001:10001", cfg.get("User").getAsString());
    assertEquals("/deployments", cfg.get("WorkingDir").getAsString());
    List<String> env = strings(cfg.getAsJsonArray("Env"));
    assertTrue(env.contains("DJL_CACHE_DIR=/tmp/djl"), env.toString());
    assertTrue(env.contains("QUARKUS_HTTP_PORT=8080"), env.toString());
    assertTrue(env.stream().anyMatch(e -> e.startsWith("JAVA_OPTS=-XX:MaxRAMPercentage")), env.toString());
    assertTrue(env.contains("PATH=/opt/java/openjdk/bin:/usr/bin:/bin"), "the base's PATH is kept: " + env);
    assertTrue(cfg.getAsJsonObject("ExposedPorts").has("8080/tcp"));
    JsonObject labels = cfg.getAsJsonObject("Labels");
    assertEquals("sculptor-model-registry", labels.get("org.opencontainers.image.title").getAsString());
    assertEquals("1.2.3", labels.get("org.opencontainers.image.version").getAsString());
    assertEquals("tar://" + base.toAbsolutePath(), labels.get("org.opencontainers.image.base.name").getAsString());
    assertEquals("1970-01-01T00:00:00Z", image.config.get("created").getAsString());

    // the base's layer, then ours from the least to the most often changed
    assertEquals(image.layers.size(), image.config.getAsJsonObject("rootfs").getAsJsonArray("diff_ids").size());
    assertEquals(0, image.layerOf("/bin/sh"));
    int writable = image.layerOf("/tmp/djl");
    int boot = image.layerOf("/deployments/lib/boot/io.quarkus.quarkus-bootstrap-runner-3.33.2.jar");
    int deps = image.layerOf("/deployments/lib/main/io.grpc.grpc-api-1.79.0.jar");
    int project = image.layerOf("/deployments/lib/main/dev.sculptor.sculptor-platform-0.1.0-SNAPSHOT.jar");
    int quarkus = image.layerOf("/deployments/quarkus/quarkus-application.dat");
    int appLayer = image.layerOf("/deployments/app/sculptor-model-registry-0.1.0-SNAPSHOT.jar");
    int runner = image.layerOf("/deployments/quarkus-run.jar");
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), List.of(writable, boot, deps, project, quarkus, appLayer, runner));
    assertEquals(8, image.layers.size());
    assertEquals(runner, image.layerOf("/deployments/quarkus-app-dependencies.txt"), "nothing of the fast-jar lost");

    // what the service must write belongs to it; its code belongs to root and is read-only for it
    for (String dir : List.of("/tmp", "/tmp/djl")) {
      ImageTarball.Entry e = entry(image, writable, dir);
      assertTrue(e.directory(), dir);
      assertEquals(10001, e.uid(), dir + " owner");
      assertEquals(10001, e.gid(), dir + " group");
      assertEquals(0700, e.mode() & 0700, dir + " writable by its owner");
    }
    int appEntries = 0;
    for (int i = boot; i < image.layers.size(); i++) {
      for (ImageTarball.Entry e : image.layers.get(i)) {
        if (e.path().startsWith("/deployments")) {
          appEntries++;
          assertEquals(0, e.uid(), e.path());
          assertEquals(0, e.mode() & 022, e.path() + " writable only by root");
        }
      }
    }
    assertTrue(appEntries >= 8, "the app's files are in the image: " + appEntries);
  }

  @Test
  void twoBuildsOfTheSameFilesAreTheSameImage() throws Exception {
    JibContainer first = build("scratch", tmp.resolve("a/image.tar"));
    // a later build (other mtimes on disk, another output) must not change a byte of the image
    Files.setLastModifiedTime(app.resolve("quarkus-run.jar"), java.nio.file.attribute.FileTime.fromMillis(12345));
    JibContainer second = build("scratch", tmp.resolve("b/image.tar"));
    assertEquals(first.getDigest(), second.getDigest());
    ImageTarball a = new ImageTarball(tmp.resolve("a/image.tar"));
    ImageTarball b = new ImageTarball(tmp.resolve("b/image.tar"));
    assertEquals(a.manifestDigest, b.manifestDigest);
    assertEquals(first.getDigest().toString(), a.manifestDigest);

    // and a changed class changes only the app layer
    write(app.resolve("app/sculptor-model-registry-0.1.0-SNAPSHOT.jar"), "other classes");
    JibContainer third = build("scratch", tmp.resolve("c/image.tar"));
    assertFalse(first.getDigest().equals(third.getDigest()));
    ImageTarball c = new ImageTarball(tmp.resolve("c/image.tar"));
    JsonArray before = a.manifest.getAsJsonArray("layers");
    JsonArray after = c.manifest.getAsJsonArray("layers");
    List<Integer> changed = new ArrayList<>();
    for (int i = 0; i < before.size(); i++) {
      if (!before.get(i).equals(after.get(i))) {
        changed.add(i);
      }
    }
    assertEquals(List.of(c.layerOf("/deployments/app/sculptor-model-registry-0.1.0-SNAPSHOT.jar")), changed);
  }

  @Test
  void cliWritesOneTarballPerComponentAndRefusesBadInput() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Path images = tmp.resolve("images");
    int code = cli(out, err, "model-registry", "--root", tmp.resolve("root").toString(), "--tar", images.toString(),
        "--base", "scratch", "--offline", "--tag", "7", "--name-prefix", "registry.example.com/sculptor", "-q",
        "--cache", tmp.resolve("cache/base").toString());
    assertEquals(0, code, err.toString());
    Path tar = images.resolve("sculptor-model-registry.tar");
    ImageTarball image = new ImageTarball(tar);
    assertTrue(out.toString().startsWith("registry.example.com/sculptor/sculptor-model-registry:7  "
        + image.manifestDigest + "  " + tar), out.toString());
    assertEquals("7", image.containerConfig().getAsJsonObject("Labels")
        .get("org.opencontainers.image.version").getAsString());

    StringWriter err2 = new StringWriter();
    assertEquals(2, cli(new StringWriter(), err2, "frontend", "--root", tmp.resolve("root").toString(),
        "--base", "scratch"));
    assertTrue(err2.toString().contains("unknown component 'frontend'"), err2.toString());

    StringWriter err3 = new StringWriter();
    assertEquals(2, cli(new StringWriter(), err3, "scoring", "--root", tmp.resolve("root").toString(),
        "--base", "scratch"));
    assertTrue(err3.toString().contains("no quarkus-run.jar"), err3.toString());
    assertTrue(err3.toString().contains("services/scoring"), err3.toString());

    // an OCI layout tarball (as this builder writes) is not a base Jib reads: said before anything is built
    StringWriter err5 = new StringWriter();
    assertEquals(2, cli(new StringWriter(), err5, "model-registry", "--root", tmp.resolve("root").toString(),
        "--base", "tar://" + tar.toAbsolutePath(), "--offline"));
    assertTrue(err5.toString().contains("not a docker-archive tarball"), err5.toString());

    // a registry that cannot be reached: one line naming the image and the cause, exit 1
    StringWriter err6 = new StringWriter();
    assertEquals(1, cli(new StringWriter(), err6, "model-registry", "--root", tmp.resolve("root").toString(),
        "--to", "127.0.0.1:" + closedPort() + "/acme", "--base", "scratch", "--allow-insecure-registries", "-q",
        "--cache", tmp.resolve("cache/base").toString()));
    assertTrue(err6.toString().contains("sculptor images: building 127.0.0.1:"), err6.toString());
    assertTrue(err6.toString().contains("/acme/sculptor-model-registry:" + ImagesCommand.Version.defaultTag() + " failed: ConnectException"),
        err6.toString());

    StringWriter err4 = new StringWriter();
    assertEquals(2, cli(new StringWriter(), err4, "--tar", images.toString(), "--to", "ghcr.io/x"));
    assertTrue(err4.toString().contains("mutually exclusive"), err4.toString());
  }

  @Test
  void badInputIsRefusedWithWhatWasWrong() throws Exception {
    IllegalArgumentException noBase = assertThrows(IllegalArgumentException.class,
        () -> new ImageBuilder("tar:///no/such/base.tar", Map.of(), e -> { }));
    assertTrue(noBase.getMessage().contains("tar:///no/such/base.tar"), noBase.getMessage());
    IllegalArgumentException relative = assertThrows(IllegalArgumentException.class,
        () -> new ImageBuilder("tar://base.tar", Map.of(), e -> { }));
    assertTrue(relative.getMessage().contains("absolute path"), relative.getMessage());

    Files.delete(app.resolve("lib/main/io.grpc.grpc-api-1.79.0.jar"));
    Files.delete(app.resolve("lib/main/dev.sculptor.sculptor-platform-0.1.0-SNAPSHOT.jar"));
    Files.delete(app.resolve("lib/main"));
    IllegalArgumentException noLib = assertThrows(IllegalArgumentException.class,
        () -> new ServiceImage("model-registry", app));
    assertTrue(noLib.getMessage().contains("no lib/main"), noLib.getMessage());

    IllegalArgumentException badName = assertThrows(IllegalArgumentException.class,
        () -> ImageBuilder.reference("Not A Reference"));
    assertTrue(badName.getMessage().contains("Not A Reference"), badName.getMessage());

    ImageBuilder pushing = new ImageBuilder("scratch",
        Map.of(ImageBuilder.USERNAME_ENV, "robot"), e -> { }).offline(true);
    IllegalArgumentException halfCredentials = assertThrows(IllegalArgumentException.class,
        () -> pushing.toRegistry(new ServiceImage("model-registry", syntheticFastJar(tmp.resolve("app2"))),
            new LinkedHashMap<>(), "localhost:5000/sculptor-model-registry:1"));
    assertTrue(halfCredentials.getMessage().contains(ImageBuilder.PASSWORD_ENV), halfCredentials.getMessage());
  }

  /** A port nothing listens on (taken, then released). */
  private static int closedPort() throws Exception {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static int cli(StringWriter out, StringWriter err, String... args) {
    CommandLine cli = ImagesCommand.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  private static ImageTarball.Entry entry(ImageTarball image, int layer, String path) {
    return image.layers.get(layer).stream().filter(e -> e.path().equals(path)).findFirst()
        .orElseThrow(() -> new AssertionError(path + " not in layer " + layer));
  }

  static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    array.forEach(e -> out.add(e.getAsString()));
    return out;
  }
}
