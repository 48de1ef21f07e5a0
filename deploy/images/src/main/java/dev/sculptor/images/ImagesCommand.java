package dev.sculptor.images;

import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.LogEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./sculptor images}: one image per service from {@code services/<component>/target/quarkus-app}, written to
 * tarballs or pushed to a registry.
 */
@Command(name = "sculptor images", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = ImagesCommand.Version.class,
    description = {"Builds one OCI image per service, sculptor-<component>:<tag>, from its Quarkus fast-jar with Jib",
        "(no Docker daemon): to tarballs (default) or pushed to a registry."})
public final class ImagesCommand implements Callable<Integer> {

  @Parameters(arity = "0..*", paramLabel = "COMPONENT",
      description = "Components to build (default: all): model-registry, scoring, pruning, training, evaluation.")
  List<String> components = new ArrayList<>();

  @ArgGroup(exclusive = true)
  Target target = new Target();

  static final class Target {
    @Option(names = "--tar", paramLabel = "DIR",
        description = "Write DIR/sculptor-<component>.tar (default: deploy/images/target/images below --root).")
    Path tarDir;

    @Option(names = "--to", paramLabel = "REGISTRY",
        description = "Push to REGISTRY/sculptor-<component>:<tag> (e.g. ghcr.io/acme). Credentials: "
            + ImageBuilder.USERNAME_ENV + "/" + ImageBuilder.PASSWORD_ENV
            + ", else the Docker config (~/.docker/config.json) and its credential helpers.")
    String registry;
  }

  @Option(names = "--base", paramLabel = "IMAGE",
      defaultValue = "${sys:sculptor.images.base:-${env:SCULPTOR_IMAGES_BASE:-" + ImageBuilder.DEFAULT_BASE + "}}",
      description = "Base image: a registry image, scratch, or tar:///abs/path.tar for offline builds "
          + "(default: ${DEFAULT-VALUE}; property sculptor.images.base, env SCULPTOR_IMAGES_BASE).")
  String base;

  @Option(names = "--tag", paramLabel = "TAG",
      description = "Image tag (default: the release of the project version, ${DEFAULT-VALUE}, the tag the Helm chart pulls).")
  String tag = Version.defaultTag();

  @Option(names = "--name-prefix", paramLabel = "REGISTRY",
      description = "With --tar: name the images in the tarballs REGISTRY/sculptor-<component>:<tag>, the name they "
          + "will be pushed under (default: no registry).")
  String namePrefix;

  @Option(names = "--root", paramLabel = "DIR", defaultValue = ".",
      description = "The repository root: the apps are services/<component>/target/quarkus-app below it (default: .).")
  Path root;

  @Option(names = "--app", paramLabel = "COMPONENT=DIR",
      description = "Take COMPONENT's fast-jar from DIR instead, e.g. --app "
          + "training=services/training/target/quarkus-app-gpu (the CUDA build, see the README).")
  Map<String, Path> apps = new LinkedHashMap<>();

  @Option(names = "--revision", paramLabel = "SHA", description = "Label org.opencontainers.image.revision (git commit).")
  String revision;

  @Option(names = "--source", paramLabel = "URL", description = "Label org.opencontainers.image.source.")
  String source;

  @Option(names = "--cache", paramLabel = "DIR",
      description = "Base image layer cache (default: Jib's, ~/.cache/google-cloud-tools-java/jib).")
  Path cache;

  @Option(names = "--offline", description = "Never use the network (the base must be scratch, a tarball or cached).")
  boolean offline;

  @Option(names = "--allow-insecure-registries", description = "Allow plain HTTP registries (a local test registry).")
  boolean insecure;

  @Option(names = {"-q", "--quiet"}, description = "Only errors and the result lines.")
  boolean quiet;

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<String> wanted = components.isEmpty() ? ServiceImage.COMPONENTS : components;
    Path rootDir = root.toAbsolutePath().normalize();
    for (String c : apps.keySet()) {
      requireComponent(c, "--app");
    }
    List<ServiceImage> images = new ArrayList<>();
    for (String c : wanted) {
      requireComponent(c, "COMPONENT");
      Path app = apps.getOrDefault(c, Path.of("services", c, "target", "quarkus-app"));
      images.add(new ServiceImage(c, rootDir.resolve(app)));
    }
    ImageBuilder builder = new ImageBuilder(base, System.getenv(), this::log)
        .offline(offline).allowInsecureRegistries(insecure);
    if (cache != null) {
      builder.baseCache(cache.toAbsolutePath());
    }
    Path tarDir = target.registry == null
        ? (target.tarDir != null ? target.tarDir : rootDir.resolve("deploy/images/target/images")).toAbsolutePath()
        : null;
    for (ServiceImage image : images) {
      Map<String, String> labels = labels();
      JibContainer built;
      if (tarDir != null) {
        String name = prefixed(namePrefix, image.repository()) + ":" + tag;
        Path tar = tarDir.resolve(image.repository() + ".tar");
        built = build(name, () -> builder.toTar(image, labels, tar, name));
        out.printf("%s  %s  %s%n", name, built.getDigest(), tar);
        out.flush();
      } else {
        String name = prefixed(target.registry, image.repository()) + ":" + tag;
        built = build(name, () -> builder.toRegistry(image, labels, name));
        out.printf("%s  %s  pushed%n", name, built.getDigest());
        out.flush();
      }
    }
    return 0;
  }

  /** Jib's failures (registry unreachable or refusing, base missing) as one line naming the image and the cause. */
  private static JibContainer build(String name, Callable<JibContainer> build) throws Exception {
    try {
      return build.call();
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw e;
    } catch (Exception e) {
      Throwable cause = e;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      throw new BuildFailed("building " + name + " failed: " + cause.getClass().getSimpleName() + ": "
          + cause.getMessage(), e);
    }
  }

  /** An image that could not be built or pushed (exit 1, one line). */
  static final class BuildFailed extends RuntimeException {
    BuildFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private Map<String, String> labels() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("org.opencontainers.image.version", tag);
    labels.put("org.opencontainers.image.vendor", "Sculptor");
    if (revision != null && !revision.isBlank()) {
      labels.put("org.opencontainers.image.revision", revision.strip());
    }
    if (source != null && !source.isBlank()) {
      labels.put("org.opencontainers.image.source", source.strip());
    }
    return labels;
  }

  private void requireComponent(String c, String where) {
    if (!ServiceImage.COMPONENTS.contains(c)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          where + ": unknown component '" + c + "' (expected one of " + ServiceImage.COMPONENTS + ")");
    }
  }

  private static String prefixed(String registry, String repository) {
    if (registry == null || registry.isBlank()) {
      return repository;
    }
    String r = registry.strip();
    return (r.endsWith("/") ? r : r + "/") + repository;
  }

  private void log(LogEvent event) {
    switch (event.getLevel()) {
      case ERROR, WARN -> System.err.println("sculptor images: " + event.getMessage());
      case LIFECYCLE -> {
        if (!quiet && !event.getMessage().isBlank()) {
          System.err.println("sculptor images: " + event.getMessage());
        }
      }
      default -> { }
    }
  }

  /** The project version, filtered into sculptor-images.properties by Maven. */
  static final class Version implements CommandLine.IVersionProvider {
    static String projectVersion() {
      Properties p = new Properties();
      try (InputStream in = ImagesCommand.class.getResourceAsStream("/sculptor-images.properties")) {
        if (in == null) {
          throw new IllegalStateException("sculptor-images.properties missing from the classpath");
        }
        p.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return p.getProperty("version");
    }

    /**
     * The project version without {@code -SNAPSHOT}: the chart's {@code appVersion} ({@code helm/sculptor/Chart.yaml}),
     * which is the tag the chart pulls by default, so that images built without {@code --tag} are the ones it runs.
     */
    static String defaultTag() {
      return projectVersion().replaceFirst("-SNAPSHOT$", "");
    }

    @Override
    public String[] getVersion() {
      return new String[] {"sculptor images " + projectVersion()};
    }
  }

  /**
   * The command, with bad input (missing fast-jar, bad reference or base) reported as one line and exit code 2, and a
   * failed build or push (registry unreachable, access refused) as one line and exit code 1.
   */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new ImagesCommand());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof IllegalArgumentException || e instanceof UncheckedIOException) {
        cmd.getErr().println("sculptor images: " + e.getMessage());
        return 2;
      }
      if (e instanceof BuildFailed) {
        cmd.getErr().println("sculptor images: " + e.getMessage());
        return 1;
      }
      throw e;
    });
    return cli;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
