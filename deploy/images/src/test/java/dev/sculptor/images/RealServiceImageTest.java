package dev.sculptor.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image of a real packaged service: the smallest services/x/target/quarkus-app present (model-registry, which this
 * module depends on for build order, in a reactor build). Skipped when no service has been packaged yet.
 */
class RealServiceImageTest {

  @TempDir Path tmp;

  @Test
  void everyFileOfThePackagedServiceIsInTheImageInCacheOrder() throws Exception {
    Optional<Path> found = smallestPackagedService();
    assumeTrue(found.isPresent(), "no services/*/target/quarkus-app: package a service first (mvn verify does)");
    Path app = found.get();
    String component = app.getParent().getParent().getFileName().toString();

    Path tar = tmp.resolve("image.tar");
    new ImageBuilder("scratch", Map.of(), e -> { }).offline(true)
        .baseCache(tmp.resolve("cache/base")).applicationCache(tmp.resolve("cache/app"))
        .toTar(new ServiceImage(component, app), new LinkedHashMap<>(), tar, "sculptor-" + component + ":test");
    ImageTarball image = new ImageTarball(tar);

    assertEquals("10001:10001", image.containerConfig().get("User").getAsString());
    assertEquals(ServiceImage.ENTRYPOINT, ServiceImageTest.strings(image.containerConfig().getAsJsonArray("Entrypoint")));

    List<Path> files;
    try (Stream<Path> walk = Files.walk(app)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    int appLayer = -1;
    int lastLib = -1;
    int firstLib = Integer.MAX_VALUE;
    for (Path f : files) {
      String rel = app.relativize(f).toString().replace('\\', '/');
      int layer = image.layerOf("/deployments/" + rel);
      assertTrue(layer >= 0, rel + " is in the image");
      if (rel.startsWith("lib/")) {
        lastLib = Math.max(lastLib, layer);
        firstLib = Math.min(firstLib, layer);
        if (rel.startsWith("lib/main/") && !ServiceImage.isProjectJar(f)) {
          assertEquals(image.layerOf("/deployments/lib/main/" + f.getFileName()), layer);
        }
      } else if (rel.startsWith("app/")) {
        assertTrue(appLayer < 0 || appLayer == layer, "app/ is one layer");
        appLayer = layer;
      }
    }
    assertTrue(appLayer > 0, "an app layer");
    assertTrue(lastLib < appLayer, "every jar of lib/ comes before app/ (layers " + firstLib + ".." + lastLib
        + ", app " + appLayer + ")");
    assertEquals(image.layers.size() - 1, image.layerOf("/deployments/quarkus-run.jar"), "the runner comes last");

    // the runner finds its boot jars where its manifest says, relative to /deployments
    try (JarFile runner = new JarFile(app.resolve("quarkus-run.jar").toFile())) {
      String classPath = runner.getManifest().getMainAttributes().getValue("Class-Path");
      assertTrue(classPath != null && !classPath.isBlank(), "quarkus-run.jar has a Class-Path");
      for (String entry : classPath.trim().split("\\s+")) {
        assertTrue(image.layerOf("/deployments/" + entry) >= 0, entry + " (quarkus-run.jar's Class-Path) is in the image");
      }
    }
  }

  /** The packaged service with the fewest bytes, below the repository root (two levels above this module). */
  static Optional<Path> smallestPackagedService() throws IOException {
    Path services = Path.of("").toAbsolutePath().resolve("../../services").normalize();
    if (!Files.isDirectory(services)) {
      return Optional.empty();
    }
    try (Stream<Path> dirs = Files.list(services)) {
      return dirs.filter(d -> ServiceImage.COMPONENTS.contains(d.getFileName().toString()))
          .map(d -> d.resolve("target/quarkus-app"))
          .filter(a -> Files.isRegularFile(a.resolve("quarkus-run.jar")))
          .min(Comparator.comparingLong(RealServiceImageTest::size));
    }
  }

  private static long size(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
