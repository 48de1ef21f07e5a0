package dev.sculptor.images;

import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FileEntry;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Port;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The image of one service: its Quarkus fast-jar ({@code target/quarkus-app}) under {@code /deployments}, laid out in
 * layers from the least to the most often changed, so that a rebuild after a code change only ships the last ones.
 *
 * <p>Application files belong to root and are read-only for the user the service runs as (10001): the service cannot
 * change its own code. The only directories it may write, {@code /tmp} and {@code DJL_CACHE_DIR} below it, belong to
 * that user (the chart mounts an emptyDir on /tmp anyway, because it makes the root file system read-only).
 */
public final class ServiceImage {

  /** The services that get an image; the image of {@code x} is {@code sculptor-x}. */
  public static final List<String> COMPONENTS = List.of("model-registry", "scoring", "pruning", "training", "evaluation");

  public static final String APP_DIR = "/deployments";
  public static final String USER = "10001:10001";
  public static final String DJL_CACHE_DIR = "/tmp/djl";
  /** The port the chart gives every service (gRPC and HTTP share it); the image's default too. */
  public static final int PORT = 8080;
  /**
   * Through a shell so that JAVA_OPTS (heap, GC flags set by the chart) is split into arguments; {@code exec} makes the
   * JVM PID 1, so it receives SIGTERM and shuts Quarkus down gracefully. DJL must never probe the network at start,
   * so offline mode is fixed here, before JAVA_OPTS (a later -D in JAVA_OPTS still wins).
   */
  public static final List<String> ENTRYPOINT = List.of("/bin/sh", "-c",
      "exec java -Dai.djl.offline=true -Djava.util.logging.manager=org.jboss.logmanager.LogManager $JAVA_OPTS"
          + " -jar " + APP_DIR + "/quarkus-run.jar \"$@\"", "sculptor");
  /** Container-aware heap sizing by default; the chart replaces it as a whole when it sets JAVA_OPTS. */
  public static final String DEFAULT_JAVA_OPTS = "-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError";

  /** Layer names, in image order (also what the tests and the README refer to). */
  public static final String LAYER_WRITABLE = "writable-dirs";
  public static final String LAYER_BOOT = "boot-libs";
  public static final String LAYER_DEPENDENCIES = "dependencies";
  public static final String LAYER_PROJECT_LIBS = "project-libs";
  public static final String LAYER_QUARKUS = "quarkus";
  public static final String LAYER_APP = "app";
  public static final String LAYER_RUNNER = "runner";

  private static final FilePermissions READ_ONLY_FILE = FilePermissions.fromOctalString("644");
  private static final FilePermissions DIRECTORY = FilePermissions.fromOctalString("755");
  /** Jib's own default (epoch + 1 s): fixed times make two builds of the same files the same image. */
  private static final Instant FILE_TIME = Instant.ofEpochSecond(1);
  private static final String ROOT = "0:0";

  private final String component;
  private final Path quarkusApp;

  /**
   * @param component one of {@link #COMPONENTS}
   * @param quarkusApp the service's fast-jar directory (holds quarkus-run.jar, lib/boot, lib/main, quarkus/, app/)
   */
  public ServiceImage(String component, Path quarkusApp) {
    if (!COMPONENTS.contains(component)) {
      throw new IllegalArgumentException("unknown component '" + component + "': expected one of " + COMPONENTS);
    }
    this.component = component;
    this.quarkusApp = quarkusApp.toAbsolutePath().normalize();
    for (String required : List.of("quarkus-run.jar", "lib/boot", "lib/main", "quarkus", "app")) {
      if (!Files.exists(this.quarkusApp.resolve(required))) {
        throw new IllegalArgumentException(this.quarkusApp + " is not a Quarkus fast-jar of " + component + ": no "
            + required + " in it (package the service first: ./sculptor build, or mvn -pl services/" + component
            + " -am package -DskipTests)");
      }
    }
  }

  public String component() {
    return component;
  }

  /** {@code sculptor-<component>}: the repository name under any registry. */
  public String repository() {
    return "sculptor-" + component;
  }

  /**
   * Adds this service's layers and container configuration to {@code builder} (which holds the base image).
   *
   * @param labels extra labels (org.opencontainers.image.*), added after the fixed ones
   */
  public JibContainerBuilder applyTo(JibContainerBuilder builder, Map<String, String> labels) {
    builder.setFormat(ImageFormat.OCI)
        .setFileEntriesLayers(layers())
        .setWorkingDirectory(AbsoluteUnixPath.get(APP_DIR))
        .setUser(USER)
        .setEntrypoint(ENTRYPOINT)
        .setProgramArguments(List.of())
        .setExposedPorts(Port.tcp(PORT))
        // the epoch, not now: the image digest is then a function of its content only (reproducible builds)
        .setCreationTime(Instant.EPOCH);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("DJL_CACHE_DIR", DJL_CACHE_DIR);
    env.put("JAVA_OPTS", DEFAULT_JAVA_OPTS);
    env.put("QUARKUS_HTTP_PORT", Integer.toString(PORT));
    // the base image's variables (PATH, JAVA_HOME) are kept; these are added to them
    env.forEach(builder::addEnvironmentVariable);
    Map<String, String> allLabels = new LinkedHashMap<>();
    allLabels.put("org.opencontainers.image.title", repository());
    allLabels.put("org.opencontainers.image.description", "Sculptor " + component + " service (Quarkus fast-jar)");
    allLabels.put("dev.sculptor.component", component);
    allLabels.putAll(labels);
    allLabels.forEach(builder::addLabel);
    return builder;
  }

  /** The layers, first the ones that change least. Jars of this project (SNAPSHOTs) change with every commit. */
  List<FileEntriesLayer> layers() {
    List<FileEntriesLayer> layers = new ArrayList<>();
    layers.add(writableDirs());
    layers.add(layer(LAYER_BOOT, "lib/boot", f -> true));
    layers.add(layer(LAYER_DEPENDENCIES, "lib/main", f -> !isProjectJar(f)));
    layers.add(layer(LAYER_PROJECT_LIBS, "lib/main", ServiceImage::isProjectJar));
    layers.add(layer(LAYER_QUARKUS, "quarkus", f -> true));
    layers.add(layer(LAYER_APP, "app", f -> true));
    // quarkus-run.jar (its manifest's Class-Path names lib/boot) and whatever else Quarkus put at the top
    List<FileEntry> rest = new ArrayList<>();
    try (Stream<Path> top = Files.list(quarkusApp)) {
      for (Path p : top.sorted().toList()) {
        String name = p.getFileName().toString();
        if (!List.of("lib", "quarkus", "app").contains(name)) {
          addTree(p, AbsoluteUnixPath.get(APP_DIR).resolve(name), f -> true, rest);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + quarkusApp, e);
    }
    layers.add(FileEntriesLayer.builder().setName(LAYER_RUNNER).setEntries(rest).build());
    return layers;
  }

  /** Quarkus names lib/main jars groupId.artifactId-version.jar; this project's are dev.sculptor.*. */
  static boolean isProjectJar(Path jar) {
    String name = jar.getFileName().toString();
    return name.startsWith("dev.sculptor.") || name.contains("-SNAPSHOT");
  }

  private FileEntriesLayer writableDirs() {
    // A directory as an entry's source makes Jib write one directory entry (not the contents) with this owner and
    // mode; which directory does not matter. 755 and not 1777 (Jib takes three octal digits): only the service's user
    // writes here.
    Path anyDirectory = quarkusApp.resolve("app");
    return FileEntriesLayer.builder().setName(LAYER_WRITABLE)
        .addEntry(new FileEntry(anyDirectory, AbsoluteUnixPath.get("/tmp"), DIRECTORY, FILE_TIME, USER))
        .addEntry(new FileEntry(anyDirectory, AbsoluteUnixPath.get(DJL_CACHE_DIR), DIRECTORY, FILE_TIME, USER))
        .build();
  }

  /** A layer of the files of {@code relativeDir} (below the fast-jar and below /deployments) that {@code include} takes. */
  private FileEntriesLayer layer(String name, String relativeDir, Predicate<Path> include) {
    List<FileEntry> entries = new ArrayList<>();
    addTree(quarkusApp.resolve(relativeDir), AbsoluteUnixPath.get(APP_DIR + "/" + relativeDir), include, entries);
    return FileEntriesLayer.builder().setName(name).setEntries(entries).build();
  }

  /** Root-owned entries for {@code source} (a file or a tree; sorted, so entry order is stable), files included by filter. */
  private static void addTree(Path source, AbsoluteUnixPath target, Predicate<Path> include, List<FileEntry> out) {
    try (Stream<Path> walk = Files.walk(source)) {
      for (Path p : walk.sorted().toList()) {
        AbsoluteUnixPath to = target;
        for (Path part : source.relativize(p)) {
          if (!part.toString().isEmpty()) {
            to = to.resolve(part.toString());
          }
        }
        if (Files.isDirectory(p)) {
          out.add(new FileEntry(p, to, DIRECTORY, FILE_TIME, ROOT));
        } else if (include.test(p)) {
          out.add(new FileEntry(p, to, READ_ONLY_FILE, FILE_TIME, ROOT));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + source, e);
    }
  }
}
